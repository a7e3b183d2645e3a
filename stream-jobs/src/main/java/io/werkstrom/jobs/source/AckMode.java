package io.werkstrom.jobs.source;

/** When the source acknowledges a QoS 1 message to the broker. */
public enum AckMode {

    /**
     * After the checkpoint that contains the message has completed. Every sink flushes on a
     * checkpoint, so an acknowledged message is durable downstream; a message the job had not yet
     * checkpointed is redelivered by the broker after a failure (at-least-once).
     */
    ON_CHECKPOINT,

    /**
     * As soon as the message has been handed to Flink. For jobs that run without checkpointing:
     * a failure loses the messages in flight inside the job.
     */
    ON_RECEIVE
}
