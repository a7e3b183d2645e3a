package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusOr;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelOracle;

/**
 * The remote backend reaches its service by name, resolved again after the service was lost: a
 * service that comes back at another address (a container created anew) is reached there. The
 * name is resolved by a resolver of the test, registered with gRPC for the test's duration, that
 * answers as DNS would after its record changed.
 */
class RemoteKernelResolutionIT {

    private static final String HOST = "analytics.werkstrom.test";

    private final BufferAllocator allocator = new RootAllocator();
    private final KernelOracle oracle = new KernelOracle(allocator);
    private final MovableName name = new MovableName();

    @AfterEach
    void stop() {
        NameResolverRegistry.getDefaultRegistry().deregister(name);
        allocator.close();
    }

    @Test
    void aServiceThatMovedToAnotherAddressIsReachedThere() throws Exception {
        try (JavaKernelBackend java = new JavaKernelBackend(1, 1_000);
             AnalyticsService service = AnalyticsService.start(java, "127.0.0.1", 0)) {
            // Nothing listens on 127.0.0.2: the service's old address.
            name.address = new InetSocketAddress("127.0.0.2", service.port());
            NameResolverRegistry.getDefaultRegistry().register(name);
            // No cool-down: the call after the failure is the trial call.
            try (RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://" + HOST + ":"
                    + service.port()), 5_000, KernelExchange.MAX_PARAMETER_BYTES, 1, 0)) {
                IllegalStateException old = assertThrows(IllegalStateException.class,
                        () -> oracle.assertRobustZ(remote, 100, 1));
                assertTrue(old.getMessage().contains("grpc://" + HOST), old.getMessage());

                name.address = new InetSocketAddress("127.0.0.1", service.port());
                oracle.assertRobustZ(remote, 100, 1);
                assertEquals(1, service.calls());
            }
        }
    }

    /**
     * Resolves {@value #HOST}, and nothing else, to {@link #address}, which the test moves: the
     * default scheme of gRPC's name resolution while it is registered (its priority is above DNS's).
     */
    private static final class MovableName extends NameResolverProvider {

        volatile InetSocketAddress address;

        @Override
        protected boolean isAvailable() {
            return true;
        }

        @Override
        protected int priority() {
            return 9;
        }

        @Override
        public String getDefaultScheme() {
            return "werkstrom-test";
        }

        @Override
        public NameResolver newNameResolver(URI target, NameResolver.Args args) {
            if (!getDefaultScheme().equals(target.getScheme()) || !target.getPath().startsWith("/" + HOST + ":")) {
                return null;
            }
            return new NameResolver() {
                private Listener2 listener;

                @Override
                public String getServiceAuthority() {
                    return HOST;
                }

                @Override
                public void start(Listener2 listener) {
                    this.listener = listener;
                    refresh();
                }

                @Override
                public void refresh() {
                    listener.onResult(ResolutionResult.newBuilder()
                            .setAddressesOrError(StatusOr.fromValue(List.of(new EquivalentAddressGroup(address))))
                            .build());
                }

                @Override
                public void shutdown() {
                    // nothing held
                }
            };
        }
    }
}
