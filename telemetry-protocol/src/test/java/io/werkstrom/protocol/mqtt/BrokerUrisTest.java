package io.werkstrom.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BrokerUrisTest {

    private static String refusal(String uri) {
        return assertThrows(IllegalArgumentException.class,
                () -> BrokerUris.requireNoUserInfo("brokerUri", uri, "--username and --password-file")).getMessage();
    }

    @Test
    void aUriWithUserInfoIsRefusedNamedWithoutIt() {
        assertEquals("brokerUri 'tcp://***@broker:1883' must not carry user-info (user:password@): the MQTT client does"
                + " not log in with it, and the URI is logged. Give the user name and the password with --username and"
                + " --password-file, e.g. 'tcp://broker:1883'.", refusal("tcp://gw-1:s3cret@broker:1883"));
        assertEquals("brokerUri 'ssl://***@broker:8883' must not carry user-info (user:password@): the MQTT client does"
                + " not log in with it, and the URI is logged. Give the user name and the password with --username and"
                + " --password-file, e.g. 'ssl://broker:8883'.", refusal("ssl://gw-1@broker:8883"));
    }

    @Test
    void aPasswordHoldingAnAtSignOrCharactersNoUriTakesIsNotShownEither() {
        for (String uri : new String[] {"tcp://gw-1:p@ss@broker:1883", "tcp://gw-1:s3 cr%t@broker:1883",
                "wss://gw-1:s3cret@broker:443/mqtt?x=1"}) {
            String message = refusal(uri);
            assertEquals(-1, message.indexOf("ss@"), message);
            assertEquals(-1, message.indexOf("cr"), message);
        }
        assertEquals("brokerUri 'wss://***@broker:443/mqtt?x=1' must not carry user-info (user:password@): the MQTT"
                + " client does not log in with it, and the URI is logged. Give the user name and the password with"
                + " --username and --password-file, e.g. 'wss://broker:443/mqtt?x=1'.",
                refusal("wss://gw-1:s3cret@broker:443/mqtt?x=1"));
    }

    @Test
    void aPasswordHoldingASlashIsRefusedOutsideAWebSocketUri() {
        // A base64 password holds '/': without a path, the '/' does not end the authority.
        for (String uri : new String[] {"tcp://gw-1:s3/cr3t@broker:1883", "ssl://gw-1:12/ab+c=@broker:8883",
                "TCP://gw-1:a/b@broker"}) {
            String message = refusal(uri);
            assertEquals(-1, message.indexOf("cr3t"), message);
            assertEquals(-1, message.indexOf("ab+c"), message);
            assertEquals(-1, message.indexOf("a/b"), message);
            assertTrue(message.startsWith("brokerUri '" + uri.substring(0, 6) + "***@broker"), message);
        }
    }

    @Test
    void anAtSignAfterTheAuthorityIsNoUserInfo() {
        for (String uri : new String[] {"tcp://broker:1883", "ws://broker:80/mqtt@edge", "wss://broker/mqtt?who=a@b",
                "tcp://broker#x@y", "broker:1883", ""}) {
            BrokerUris.requireNoUserInfo("brokerUri", uri, "--username");
        }
        BrokerUris.requireNoUserInfo("brokerUri", null, "--username");
    }

    @Test
    void anAtSignRightAfterTheAuthorityIsNoUserInfoButAnEmptyUserInfoIsRefused() {
        for (String uri : new String[] {"ws://broker:80/@edge", "tcp://broker:1883?@x", "tcp://broker#@y"}) {
            BrokerUris.requireNoUserInfo("brokerUri", uri, "--username");
        }
        assertTrue(refusal("tcp://@broker:1883").startsWith("brokerUri 'tcp://***@broker:1883' must not carry user-info"));
    }
}
