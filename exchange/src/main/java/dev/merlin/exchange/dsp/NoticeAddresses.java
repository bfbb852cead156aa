package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where a DSP's notice URLs may make Merlin connect. A DSP writes its own {@code nurl}, {@code burl} and {@code lurl},
 * and Merlin calls them from inside its network, so a DSP could name {@code 127.0.0.1:8080}, a cloud's metadata
 * service at {@code 169.254.169.254} or an internal host, and have Merlin send requests there. A notice goes to a
 * public address, or to exactly the origin (host and port) the operator configured as that DSP's endpoint, private
 * or not (a DSP peered on a private network, or a simulator on loopback). Anything else is refused before any
 * connection is made, whatever name resolves to it: loopback, unspecified, link-local, private (RFC 1918, IPv6
 * unique-local), shared (100.64.0.0/10), multicast and broadcast addresses.
 */
final class NoticeAddresses {

    /** Every address: for tests whose notice stubs listen on other loopback ports than the DSP's endpoint. */
    static final NoticeAddresses ANY = new NoticeAddresses(null);

    /** Per DSP index, its endpoint's origin as {@code host:port} (host in lower case); null entries: none. */
    private final String[] endpointOrigins;

    private NoticeAddresses(String[] endpointOrigins) {
        this.endpointOrigins = endpointOrigins;
    }

    /** The policy for these DSPs, in their configured order (a notice names its DSP by that index). */
    static NoticeAddresses of(List<DspConfig> dsps) {
        String[] origins = new String[dsps.size()];
        for (int i = 0; i < origins.length; i++) {
            URI endpoint = dsps.get(i).endpointUri();
            origins[i] = origin(endpoint.getHost(), portOf(endpoint));
        }
        return new NoticeAddresses(origins);
    }

    private static int portOf(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String origin(String host, int port) {
        return host.toLowerCase(Locale.ROOT) + ':' + port;
    }

    /**
     * The address to connect to for DSP {@code dsp}'s notice to {@code host:port}; resolves the name on the caller's
     * thread (the notice loop's).
     *
     * @throws Refused              when the address is not one a notice may go to
     * @throws UnknownHostException when the name does not resolve
     */
    InetSocketAddress resolve(int dsp, String host, int port) throws UnknownHostException {
        InetAddress address = InetAddress.getByName(host);
        if (endpointOrigins != null && !isPublic(address)
                && !(dsp >= 0 && dsp < endpointOrigins.length && origin(host, port).equals(endpointOrigins[dsp]))) {
            throw new Refused(host, address);
        }
        return new InetSocketAddress(address, port);
    }

    /** Whether {@code address} is on the public internet: none of the kinds {@link NoticeAddresses} refuses. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            boolean isThisNetwork = first == 0;
            boolean isShared = first == 100 && (second & 0xc0) == 64;
            boolean isBroadcast = first == 255;
            return !(isThisNetwork || isShared || isBroadcast);
        }
        boolean isUniqueLocal = (bytes[0] & 0xfe) == 0xfc;
        return !isUniqueLocal;
    }

    /** A notice's host resolved to an address notices may not go to. */
    static final class Refused extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        Refused(String host, InetAddress address) {
            super(host + " resolves to " + address.getHostAddress() + ", which is not public and not the DSP's"
                    + " endpoint: Merlin calls no notice there");
        }
    }
}
