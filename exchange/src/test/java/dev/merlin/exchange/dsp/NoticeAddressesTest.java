package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NoticeAddressesTest {

    private static final NoticeAddresses POLICY = NoticeAddresses.of(List.of(
            DspConfig.of("tokyo", "Tokyo", "http://127.0.0.1:9101/bid", "JPN"),
            DspConfig.of("peered", "Peered", "https://10.20.30.40/openrtb", "JPN")));

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, false", "127.8.9.10, false", "0.0.0.0, false", "0.1.2.3, false", "10.1.2.3, false",
        "172.16.0.1, false", "172.31.255.255, false", "192.168.0.1, false", "169.254.169.254, false",
        "100.64.0.1, false", "100.127.255.255, false", "224.0.0.1, false", "255.255.255.255, false",
        "::1, false", "::, false", "fe80::1, false", "fd00::1, false", "fc00::1, false", "ff02::1, false",
        "::ffff:127.0.0.1, false", "::ffff:10.0.0.1, false", "198.18.0.1, false", "198.19.255.1, false",
        "240.0.0.1, false", "::7f00:1, false", "::a00:1, false", "64:ff9b::a00:1, false", "64:ff9b::7f00:1, false",
        "64:ff9b:1::1, false", "2002:a00:1::1, false", "2002:a9fe:a9fe::1, false", "2001:0:4136:e378::1, false",
        "8.8.8.8, true", "172.32.0.1, true", "100.128.0.1, true", "198.20.0.1, true", "203.0.113.9, true",
        "2001:4860:4860::8888, true", "64:ff9b::808:808, true", "2002:808:808::1, true", "::808:808, true"})
    void onlyPublicAddressesArePublic(String address, boolean isPublic) throws Exception {
        assertEquals(isPublic, NoticeAddresses.isPublic(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.1, false", "127.0.0.1, false", "169.254.169.254, false", "8.8.8.8, true"})
    void anIpv4MappedIpv6AddressIsJudgedByTheIpv4AddressItCarries(String ipv4, boolean isPublic) throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(InetAddress.getByName(ipv4).getAddress(), 0, mapped, 12, 4);
        // kept as IPv6 (InetAddress.getByAddress would read it as IPv4 already)
        assertEquals(isPublic, NoticeAddresses.isPublic(Inet6Address.getByAddress(null, mapped, -1)), ipv4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:8080", "localhost:8080", "2130706433:9102", "127.1:80", "[::1]:9101",
        "169.254.169.254:80", "10.20.30.40:80", "10.20.30.41:443", "[::ffff:10.20.30.40]:80"})
    void aNoticeGoesNowhereInsideTheNetworkButItsOwnDspsEndpoint(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        assertThrows(NoticeAddresses.Refused.class, () -> resolve(0, host, port), hostPort);
        assertThrows(NoticeAddresses.Refused.class, () -> resolve(1, host, port), hostPort);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "127.1", "127.0.1", "0x7f.1", "0X7F000001", "127.0.0.1.", "017700000001",
        "203.0.113", "3405803785", "example.0x1", "example.42", "0177.0.0.1", "127.000.0.1", "010.1.2.3"})
    void aHostEndingInANumberIsRefusedUnlessItIsAPlainDottedQuadEvenForTheDspsOwnEndpoint(String host) {
        // URL parsers read these as IPv4 addresses (3405803785 is 203.0.113.9, 0177.0.0.1 octal 127.0.0.1); no name
        // server is asked
        NoticeAddresses.Refused refused = assertThrows(NoticeAddresses.Refused.class,
                () -> NoticeAddresses.literal(host), host);
        assertTrue(refused.getMessage().contains("ends in a number") || refused.getMessage().contains("leading zero"),
                refused.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"203.0.113.9, 203.0.113.9", "[::1], ::1", "::1, ::1", "[2001:db8::1], 2001:db8::1",
        "::ffff:10.20.30.40, 10.20.30.40"})
    void aLiteralAddressIsReadWithoutALookup(String host, String address) throws Exception {
        assertEquals(InetAddress.getByName(address), NoticeAddresses.literal(host), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "dsp.example", "bid.dsp1.example.", "1example.com", "x1"})
    void aNameIsLeftToTheResolver(String host) throws Exception {
        assertNull(NoticeAddresses.literal(host), host);
    }

    @ParameterizedTest
    @CsvSource({"0, 127.0.0.1, 9101", "0, localhost, 9101", "1, 10.20.30.40, 443",
        "1, ::ffff:10.20.30.40, 443", "0, 203.0.113.9, 80", "1, 203.0.113.9, 8443"})
    void aDspsOwnEndpointAddressByAnyNameAndPublicAddressesAreCalled(int dsp, String host, int port)
            throws Exception {
        InetSocketAddress resolved = resolve(dsp, host, port);
        assertEquals(InetAddress.getByName(host), resolved.getAddress());
        assertEquals(port, resolved.getPort());
    }

    @ParameterizedTest
    @CsvSource({"1, 127.0.0.1, 9101", "0, 10.20.30.40, 443"})
    void oneDspsEndpointIsNoOtherDspsNoticeTarget(int dsp, String host, int port) {
        assertThrows(NoticeAddresses.Refused.class, () -> resolve(dsp, host, port));
    }

    /** The policy for {@code host}: a literal as the notice loop reads it, a name as the system resolves it. */
    private static InetSocketAddress resolve(int dsp, String host, int port) throws UnknownHostException {
        InetAddress literal = NoticeAddresses.literal(host);
        return POLICY.check(dsp, host, literal != null ? literal : InetAddress.getByName(host), port);
    }
}
