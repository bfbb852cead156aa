package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a DSP's notice URLs may make Merlin connect. A DSP writes its own {@code nurl}, {@code burl} and {@code lurl},
 * and Merlin calls them from inside its network, so a DSP could name {@code 127.0.0.1:8080}, a cloud's metadata
 * service at {@code 169.254.169.254} or an internal host, and have Merlin send requests there. A notice goes to a
 * public address, or to exactly the address and port the DSP's configured endpoint resolved to when Merlin started,
 * private or not (a DSP peered on a private network, or a simulator on loopback); a name the DSP controls that
 * resolves elsewhere later gains nothing. Anything else is refused before any connection is made, whatever name
 * resolves to it: loopback, unspecified, link-local, private (RFC 1918, IPv6 unique-local), shared (100.64.0.0/10),
 * benchmarking (198.18.0.0/15), reserved (240.0.0.0/4), multicast and broadcast addresses, and IPv6 addresses that
 * carry an IPv4 one (IPv4-compatible, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) when it is one of those;
 * local NAT64 ({@code 64:ff9b:1::/48}) and Teredo ({@code 2001::/32}) always.
 */
final class NoticeAddresses {

    /** Every address: for tests whose notice stubs listen on other loopback ports than the DSP's endpoint. */
    static final NoticeAddresses ANY = new NoticeAddresses(null);

    /** An octet of a dotted quad that starts with 0 and has more digits. */
    private static final Pattern LEADING_ZERO = Pattern.compile("(^|\\.)0\\d");

    /** Per DSP index, the address and port its endpoint resolved to at start-up; null entries: none. */
    private final InetSocketAddress[] endpoints;

    private NoticeAddresses(InetSocketAddress[] endpoints) {
        this.endpoints = endpoints;
    }

    /**
     * The policy for these DSPs, in their configured order (a notice names its DSP by that index). Resolves each
     * endpoint's name once, now, as the DSP clients do; one that does not resolve allows no private address.
     */
    static NoticeAddresses of(List<DspConfig> dsps) {
        InetSocketAddress[] endpoints = new InetSocketAddress[dsps.size()];
        for (int i = 0; i < endpoints.length; i++) {
            URI endpoint = dsps.get(i).endpointUri();
            int port = endpoint.getPort() >= 0 ? endpoint.getPort()
                    : "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
            try {
                endpoints[i] = new InetSocketAddress(InetAddress.getByName(endpoint.getHost()), port);
            } catch (UnknownHostException e) {
                endpoints[i] = null;
            }
        }
        return new NoticeAddresses(endpoints);
    }

    /**
     * The address a notice's {@code host} (as {@link URI#getHost} gives it) names literally: an IPv4 dotted quad or an
     * IPv6 address, with or without brackets; null for a name, which the notice loop resolves without blocking.
     *
     * @throws Refused for a host that ends in a number and is not a dotted quad ({@code 2130706433}, {@code 127.1},
     *                 {@code 0x7f.1}), or a dotted quad with a leading zero ({@code 0177.0.0.1}, octal to URL
     *                 parsers): URL parsers read those as IPv4 addresses, no DSP needs them, and a name server is
     *                 never asked for one
     */
    static InetAddress literal(String host) throws Refused {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (NetUtil.isValidIpV4Address(bare) && LEADING_ZERO.matcher(bare).find()) {
            // 0177.0.0.1: Netty reads 177.0.0.1, URL parsers and inet_aton the octal 127.0.0.1
            throw new Refused(host + " has an octet with a leading zero, which URL parsers read as octal: Merlin"
                    + " calls no notice there");
        }
        if (NetUtil.isValidIpV4Address(bare) || NetUtil.isValidIpV6Address(bare)) {
            try {
                // the JDK reads an IPv4-mapped IPv6 address as the IPv4 address it carries
                return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(bare));
            } catch (UnknownHostException e) {
                throw new Refused(host + " is not an address Merlin can read: " + e.getMessage());
            }
        }
        String name = bare.endsWith(".") ? bare.substring(0, bare.length() - 1) : bare;
        String last = name.substring(name.lastIndexOf('.') + 1);
        if (!last.isEmpty() && (last.chars().allMatch(Character::isDigit) || last.matches("0[xX][0-9a-fA-F]*"))) {
            throw new Refused(host + " ends in a number but is not a dotted-quad IPv4 address: Merlin calls no"
                    + " notice there");
        }
        return null;
    }

    /**
     * {@code host:port} at {@code address} (what {@code host} resolved to) when DSP {@code dsp}'s notice may go
     * there.
     *
     * @throws Refused when the address is not one a notice may go to
     */
    InetSocketAddress check(int dsp, String host, InetAddress address, int port) throws Refused {
        InetSocketAddress resolved = new InetSocketAddress(address, port);
        if (endpoints != null && !isPublic(address)
                && !(dsp >= 0 && dsp < endpoints.length && resolved.equals(endpoints[dsp]))) {
            throw new Refused(host + " resolves to " + address.getHostAddress() + ", which is not public and not"
                    + " the DSP's endpoint: Merlin calls no notice there");
        }
        return resolved;
    }

    /** Whether {@code address} is on the public internet: none of the kinds {@link NoticeAddresses} refuses. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return isPublicV4(bytes, 0);
        }
        if ((bytes[0] & 0xfe) == 0xfc) {
            return false; // unique-local fc00::/7
        }
        if (startsWith(bytes, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff)) {
            return isPublicV4(bytes, 12); // IPv4-mapped ::ffff:a.b.c.d (the JDK usually reads it as IPv4 already)
        }
        if (startsWith(bytes, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) {
            return isPublicV4(bytes, 12); // IPv4-compatible ::a.b.c.d (:: and ::1 were refused above)
        }
        if (startsWith(bytes, 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0)) {
            return isPublicV4(bytes, 12); // NAT64 64:ff9b::/96
        }
        if (startsWith(bytes, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) {
            return false; // local-use NAT64 64:ff9b:1::/48, which may map to any IPv4 address
        }
        if (startsWith(bytes, 0x20, 0x02)) {
            return isPublicV4(bytes, 2); // 6to4 2002:a.b.c.d::/48
        }
        return !startsWith(bytes, 0x20, 0x01, 0x00, 0x00); // Teredo 2001::/32
    }

    private static boolean isPublicV4(byte[] bytes, int at) {
        int first = bytes[at] & 0xff;
        int second = bytes[at + 1] & 0xff;
        boolean isThisNetwork = first == 0;
        boolean isPrivate = first == 10 || first == 172 && (second & 0xf0) == 16 || first == 192 && second == 168;
        boolean isLoopbackOrLinkLocal = first == 127 || first == 169 && second == 254;
        boolean isShared = first == 100 && (second & 0xc0) == 64;
        boolean isBenchmarking = first == 198 && (second & 0xfe) == 18;
        boolean isMulticastOrReserved = first >= 224;
        return !(isThisNetwork || isPrivate || isLoopbackOrLinkLocal || isShared || isBenchmarking
                || isMulticastOrReserved);
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A notice's host names or resolved to an address notices may not go to. */
    static final class Refused extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }
}
