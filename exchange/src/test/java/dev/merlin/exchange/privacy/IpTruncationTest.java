package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** IPv4 to /24 and IPv6 to /56 in canonical form; anything that is not a plain address is malformed (dropped). */
class IpTruncationTest {

    private final IpTruncation ips = new IpTruncation();
    private final char[] out = new char[IpTruncation.MAX_CHARS];

    private String v4(String ip) {
        int length = ips.truncateIpv4(ip, out);
        return length < 0 ? null : new String(out, 0, length);
    }

    private String v6(String ip) {
        int length = ips.truncateIpv6(ip, out);
        return length < 0 ? null : new String(out, 0, length);
    }

    @ParameterizedTest
    @CsvSource({
        "192.168.1.77,    192.168.1.0",
        "8.8.8.8,         8.8.8.0",
        "0.0.0.0,         0.0.0.0",
        "255.255.255.255, 255.255.255.0",
        "10.0.200.1,      10.0.200.0",
    })
    void ipv4KeepsItsSlash24(String ip, String expected) {
        assertEquals(expected, v4(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1..3.4",
        ".1.2.3", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4:80", "a.b.c.d", "1.2.3.-4", "::1", "1.2.3.4/24",
        "1.2.3.1000", "١.٢.٣.٤", "1.2.3.4\u0000"})
    void malformedIpv4IsDropped(String ip) {
        assertEquals(null, v4(ip), ip);
    }

    @ParameterizedTest
    @CsvSource({
        "2001:0db8:abcd:12ff:0000:0000:0000:0001, 2001:db8:abcd:1200::",
        "2001:db8:abcd:12ff::1,                   2001:db8:abcd:1200::",
        "2001:DB8:ABCD:EF01:2345:6789:abcd:ef01,  2001:db8:abcd:ef00::",
        "2001:db8::1,                             2001:db8::",
        "::1,                                     ::",
        "::,                                      ::",
        "fe80::1:2:3:4,                           fe80::",
        "0:0:0:ff00::,                            0:0:0:ff00::",
        "1:0:0:ff::,                              1::",
        "1:0:2:ab::,                              1:0:2::",
        "::ffff:192.168.1.77,                     ::ffff:192.168.1.0",
        "0:0:0:0:0:ffff:c0a8:14d,                 ::ffff:192.168.1.0",
        "64:ff9b::1.2.3.4,                        64:ff9b::",
        "2a00:1450:4001:82a:0:0:0:200e,           2a00:1450:4001:800::",
    })
    void ipv6KeepsItsSlash56InCanonicalForm(String ip, String expected) {
        assertEquals(expected, v6(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        "12345::", "g::1", "fe80::1%eth0", "[::1]", "::1 ", " ::1", "1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
        "::1.2.3", "1.2.3.4::", ":1::", "1::2:", "１::", "::ffff:1.2.3.04", "1:2:3:4:5:6:7:8::"})
    void malformedIpv6IsDropped(String ip) {
        assertEquals(null, v6(ip), ip);
    }

    /** Random addresses: the /56 agrees with the JDK's parser, and the output parses back to the same prefix. */
    @Test
    void randomIpv6AgreesWithTheJdk() throws Exception {
        Random random = new Random(11);
        byte[] bytes = new byte[16];
        for (int i = 0; i < 2_000; i++) {
            random.nextBytes(bytes);
            if (random.nextInt(4) == 0) {
                for (int z = 8; z < 16; z++) {
                    bytes[z] = 0;
                }
            }
            String text = InetAddress.getByAddress(bytes).getHostAddress();
            String truncated = v6(text);
            byte[] expected = bytes.clone();
            expected[7] = 0;
            for (int z = 8; z < 16; z++) {
                expected[z] = 0;
            }
            byte[] actual = InetAddress.getByName(truncated).getAddress();
            assertEquals(Arrays.toString(expected), Arrays.toString(actual), text);
        }
    }
}
