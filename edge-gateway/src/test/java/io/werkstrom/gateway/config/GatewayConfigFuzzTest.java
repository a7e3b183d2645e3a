package io.werkstrom.gateway.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the gateway's configuration reader with arbitrary files: a file is either a valid
 * configuration or refused with a {@link ConfigException} (naming the key) or an I/O error —
 * never another exception, never a hang. The password never comes from the file, so the fuzzer's
 * environment holds none.
 */
class GatewayConfigFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void aConfigurationIsValidOrRefusedNamingTheKey(FuzzedDataProvider data) throws IOException {
        Path file = Files.createTempFile("gateway-config", ".yaml");
        try {
            Files.write(file, data.consumeRemainingAsBytes());
            try {
                GatewayConfig config = GatewayConfig.load(file, Map.of());
                assertNotNull(config.address());
            } catch (ConfigException refused) {
                assertFalse(String.valueOf(refused.getMessage()).isBlank(), "a refusal names its reason");
            } catch (IOException unreadable) {
                // an unreadable file is reported as such by the caller
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
