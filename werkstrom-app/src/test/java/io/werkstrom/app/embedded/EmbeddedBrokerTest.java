package io.werkstrom.app.embedded;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;

import org.junit.jupiter.api.Test;

class EmbeddedBrokerTest {

    @Test
    void theConfigurationWritesThePortInAsciiDigitsUnderAnArabicLocale() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("ar-EG"));
        try {
            String xml = EmbeddedBroker.configXml(18_830);
            assertTrue(xml.contains("<port>18830</port>"), xml);
            assertTrue(xml.contains("<max-queue-size>" + EmbeddedBroker.MAX_QUEUED_MESSAGES + "</max-queue-size>"), xml);
        } finally {
            Locale.setDefault(before);
        }
    }
}
