package io.werkstrom.gateway.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.werkstrom.gateway.Gateway;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.GatewayAddress;

/**
 * A gateway in a child JVM, for tests that kill it with SIGKILL. Arguments: broker URI, spool
 * directory, simulator start (ISO instant), seed, first sequence. Prints {@code started} once running,
 * then runs until killed.
 */
public final class GatewayProcess {

    private GatewayProcess() {
    }

    public static void main(String[] args) throws Exception {
        GatewayAddress address = new GatewayAddress("acme", "plant-1", "gw-01");
        GatewayOptions options = GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri(args[0]).address(address)
                        .reconnectMinDelay(Duration.ofMillis(200)).reconnectMaxDelay(Duration.ofSeconds(1)).build())
                .spoolDirectory(Path.of(args[1]))
                .firstSequence(Long.parseLong(args[4]))
                .retryDelay(Duration.ofMillis(100))
                .build();
        SimulatorOptions simulator = SimulatorOptions.builder().seed(Long.parseLong(args[3])).start(Instant.parse(args[2]))
                .build();
        Gateway gateway = new Gateway(options, new SimulatorCollector(simulator));
        gateway.start();
        System.out.println("started");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
