package io.werkstrom.jobs.alert.notify;

import io.werkstrom.jobs.alert.AlertStore.Delivery;

/** One way of telling someone about an alert. Called from the notifier's thread only. */
public interface Channel {

    /** Delivers one notification; returns normally only when the receiver has it. */
    void send(Delivery delivery) throws DeliveryException;
}
