package dev.merlin.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A seller (a publisher or an SSP) that may send bid requests, as {@code GET /sellers.json} lists it.
 *
 * @param id           its {@code seller_id} in sellers.json, signed into every notice link
 * @param name         its business name (required unless confidential)
 * @param domain       its business domain, e.g. {@code example-ssp.com} (required unless confidential)
 * @param type         {@code PUBLISHER}, {@code INTERMEDIARY} or {@code BOTH}
 * @param tokens       bearer tokens it authenticates with ({@code Authorization: Bearer ...})
 * @param allowFrom    source addresses it sends from, as IPv4 or IPv6 CIDRs, for SSPs that cannot add a header
 * @param confidential whether sellers.json withholds its name and domain ({@code is_confidential: 1})
 */
public record SellerConfig(String id, String name, String domain, String type, List<String> tokens,
                           List<String> allowFrom, Boolean confidential) {

    /** Seller types of sellers.json 1.0. */
    public static final Set<String> TYPES = Set.of("PUBLISHER", "INTERMEDIARY", "BOTH");

    private static final String IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

    /** The shortest bearer token a seller may have. */
    static final int MIN_TOKEN_CHARS = 12;
    /** The longest seller token: a longer bearer token is refused unread on the auction route. */
    public static final int MAX_TOKEN_CHARS = 512;

    /** Fills unset values. */
    public SellerConfig {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        allowFrom = allowFrom == null ? List.of() : List.copyOf(allowFrom);
        confidential = confidential != null && confidential;
    }

    /** Whether sellers.json withholds its name and domain. */
    public boolean isConfidential() {
        return confidential;
    }

    /** The seller without its tokens, so that logging a config never prints a credential. */
    @Override
    public String toString() {
        return "SellerConfig[id=" + id + ", name=" + name + ", domain=" + domain + ", type=" + type + ", tokens="
                + tokens.size() + " (redacted), allowFrom=" + allowFrom + ", confidential=" + confidential + "]";
    }

    void validate(String at) {
        ConfigChecks.notBlank(at + ".id", id);
        if (id.length() > 64 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ConfigException(at + ".id", "value " + id + " is not allowed; expected at most 64 printable"
                    + " ASCII characters without blanks");
        }
        ConfigChecks.oneOf(at + ".type", type, TYPES);
        if (!confidential) {
            ConfigChecks.notBlank(at + ".name", name);
            ConfigChecks.notBlank(at + ".domain", domain);
        }
        if (domain != null && !domain.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
            throw new ConfigException(at + ".domain", "value " + domain + " is not allowed; expected a lower-case"
                    + " domain such as example-ssp.com (no scheme, path or port)");
        }
        if (tokens.isEmpty() && allowFrom.isEmpty()) {
            throw new ConfigException(at, "seller " + id + " has neither tokens nor allowFrom; give it at least one"
                    + " bearer token or source CIDR, or no request could come from it");
        }
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (token.length() < MIN_TOKEN_CHARS || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new ConfigException(at + ".tokens[" + i + "]", "value is shorter than " + MIN_TOKEN_CHARS
                        + " characters or holds a blank or non-ASCII character");
            }
            if (token.length() > MAX_TOKEN_CHARS) {
                throw new ConfigException(at + ".tokens[" + i + "]", "value is longer than " + MAX_TOKEN_CHARS
                        + " characters");
            }
        }
        for (int i = 0; i < allowFrom.size(); i++) {
            parseCidr(at + ".allowFrom[" + i + "]", allowFrom.get(i));
        }
    }

    /**
     * The network address and prefix length of an IPv4 or IPv6 CIDR ({@code 10.0.0.0/8}, {@code 2001:db8::/32});
     * a bare address is a block of one. Only literal addresses: a host name is refused, never looked up.
     */
    public static Cidr parseCidr(String keyPath, String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(keyPath, "value is missing; expected a CIDR such as 203.0.113.0/24");
        }
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        boolean isV6 = address.indexOf(':') >= 0;
        boolean isLiteral = isV6 ? address.matches("[0-9A-Fa-f:.]+")
                : address.matches(IPV4_OCTET + "(\\." + IPV4_OCTET + "){3}");
        byte[] bytes = null;
        if (isLiteral) {
            try {
                bytes = InetAddress.getByName(address).getAddress(); // a literal: never a DNS query
            } catch (UnknownHostException e) {
                bytes = null;
            }
        }
        if (bytes == null || (isV6 && bytes.length != 16)) {
            throw new ConfigException(keyPath, "value " + text + " is not allowed; expected an IPv4 or IPv6 CIDR"
                    + " such as 203.0.113.0/24 or 2001:db8::/32 (an IPv4-mapped address is written as IPv4)");
        }
        int maxBits = bytes.length * 8;
        int bits = maxBits;
        if (slash >= 0) {
            String prefix = text.substring(slash + 1);
            if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > maxBits) {
                throw new ConfigException(keyPath, "value " + text + " is not allowed; the prefix length must be 0"
                        + " to " + maxBits);
            }
            bits = Integer.parseInt(prefix);
        }
        for (int bit = bits; bit < maxBits; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new ConfigException(keyPath, "value " + text + " is not allowed; it has host bits set past"
                        + " the /" + bits + " prefix (did you mean the network address?)");
            }
        }
        return new Cidr(bytes, bits);
    }

    /**
     * An address block.
     *
     * @param network    the network address, 4 or 16 bytes
     * @param prefixBits how many leading bits an address must share with it
     */
    public record Cidr(byte[] network, int prefixBits) {

        /** Whether {@code address} (4 or 16 bytes) is inside the block; an IPv4 block never holds an IPv6 one. */
        public boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = prefixBits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }

    /**
     * Validates every seller and that a seller token opens one thing: unique ids, and each token distinct from every
     * other seller token, {@code tracking.adminToken}, each advertiser's report token and each event source's API
     * key. Messages name where the token is held already, never the token.
     */
    static void validateAll(List<SellerConfig> sellers, TrackingConfig tracking, List<AdvertiserConfig> advertisers) {
        Map<String, String> holders = new HashMap<>();
        if (tracking.adminToken() != null) {
            holders.put(tracking.adminToken(), "tracking.adminToken");
        }
        for (int i = 0; i < tracking.eventSources().size(); i++) {
            holders.putIfAbsent(tracking.eventSources().get(i).apiKey(), "tracking.eventSources[" + i + "].apiKey");
        }
        for (int a = 0; a < advertisers.size(); a++) {
            if (advertisers.get(a).reportToken() != null) {
                holders.putIfAbsent(advertisers.get(a).reportToken(), "advertisers[" + a + "].reportToken");
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int s = 0; s < sellers.size(); s++) {
            SellerConfig seller = sellers.get(s);
            String at = "sellers[" + s + "]";
            if (seller == null) {
                throw new ConfigException(at, "value is empty; expected a seller section");
            }
            seller.validate(at);
            Integer earlier = ids.putIfAbsent(seller.id(), s);
            if (earlier != null) {
                throw new ConfigException(at + ".id", "value " + seller.id() + " is not allowed; sellers[" + earlier
                        + "] has it already and seller ids must be unique");
            }
            for (int t = 0; t < seller.tokens().size(); t++) {
                String keyPath = at + ".tokens[" + t + "]";
                String holder = holders.putIfAbsent(seller.tokens().get(t), keyPath);
                if (holder != null) {
                    throw new ConfigException(keyPath, "value is the same as " + holder + "; a seller token must"
                            + " differ from every other seller token, tracking.adminToken, every report token and"
                            + " every event source apiKey");
                }
            }
        }
    }
}
