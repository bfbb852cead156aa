package dev.merlin.exchange.sellers;

import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.secrets.Secrets;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Who is selling: resolves an auction request's seller from its {@code Authorization} header and source address,
 * before its body is read.
 *
 * <p>A request carrying an {@code Authorization} header is the seller whose bearer token it names, or no one: a
 * wrong or unknown token is refused even from an allowed address. A request without one is the seller whose
 * {@code allowFrom} CIDRs hold its source address. Tokens are compared as SHA-256 digests, each against every
 * configured one with a constant-time compare and no early exit ({@link Secrets#indexOf}), so the time taken says
 * nothing about how close a guess came.
 */
public final class Sellers {

    /** Why a request is from no known seller: the {@code reason} label of its counter. */
    public enum Refusal {
        /** No {@code Authorization} header, and the source address is in no seller's {@code allowFrom}. */
        NO_CREDENTIALS("no_credentials"),
        /** An {@code Authorization} header that is not a bearer token of any seller. */
        UNKNOWN_TOKEN("unknown_token");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        /** The metric label. */
        public String label() {
            return label;
        }
    }

    private static final int DIGEST_BYTES = Secrets.DIGEST_BYTES;
    private static final int MAX_TOKEN_CHARS = SellerConfig.MAX_TOKEN_CHARS;

    /** Per thread: the digest and its output, reused. */
    private static final class Scratch {
        final MessageDigest sha256 = Secrets.newSha256();
        final byte[] digest = new byte[DIGEST_BYTES];
    }

    private final List<SellerConfig> all;
    private final byte[][] tokenDigests;
    private final SellerConfig[] tokenOwners;
    private final SellerConfig.Cidr[] cidrs;
    private final SellerConfig[] cidrOwners;
    private final FastThreadLocal<Scratch> scratch = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    /** The configured sellers; start-up work (CIDRs are parsed once here). */
    public Sellers(List<SellerConfig> sellers) {
        this.all = List.copyOf(sellers);
        List<byte[]> digests = new ArrayList<>();
        List<SellerConfig> tokenSellers = new ArrayList<>();
        List<SellerConfig.Cidr> blocks = new ArrayList<>();
        List<SellerConfig> blockSellers = new ArrayList<>();
        for (SellerConfig seller : sellers) {
            for (String token : seller.tokens()) {
                digests.add(Secrets.digest(token));
                tokenSellers.add(seller);
            }
            for (String cidr : seller.allowFrom()) {
                blocks.add(SellerConfig.parseCidr("sellers.allowFrom", cidr));
                blockSellers.add(seller);
            }
        }
        this.tokenDigests = digests.toArray(new byte[0][]);
        this.tokenOwners = tokenSellers.toArray(new SellerConfig[0]);
        this.cidrs = blocks.toArray(new SellerConfig.Cidr[0]);
        this.cidrOwners = blockSellers.toArray(new SellerConfig[0]);
    }

    /** Every configured seller, in config order. */
    public List<SellerConfig> all() {
        return all;
    }

    /** Whether any seller authenticates by source address. */
    public boolean hasAddressSellers() {
        return cidrs.length > 0;
    }

    /**
     * The seller a request comes from, or null when none.
     *
     * @param authorization the {@code Authorization} header, null when absent
     * @param remote        the connection's peer address ({@link InetSocketAddress} on a real socket)
     */
    public SellerConfig resolve(String authorization, SocketAddress remote) {
        if (authorization != null) {
            return byToken(authorization);
        }
        if (cidrs.length == 0 || !(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return null;
        }
        byte[] address = inet.getAddress().getAddress();
        for (int i = 0; i < cidrs.length; i++) {
            if (cidrs[i].contains(address)) {
                return cidrOwners[i];
            }
        }
        return null;
    }

    /** Why {@link #resolve} found no seller for a request with this {@code Authorization} header. */
    public static Refusal refusal(String authorization) {
        return authorization == null ? Refusal.NO_CREDENTIALS : Refusal.UNKNOWN_TOKEN;
    }

    private SellerConfig byToken(String authorization) {
        if (authorization.length() < 8 || authorization.length() > 7 + MAX_TOKEN_CHARS
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        int start = 7;
        int end = authorization.length();
        while (start < end && authorization.charAt(start) == ' ') {
            start++;
        }
        while (end > start && authorization.charAt(end - 1) == ' ') {
            end--;
        }
        if (start == end) {
            return null;
        }
        Scratch s = scratch.get();
        MessageDigest sha256 = s.sha256;
        sha256.reset();
        for (int i = start; i < end; i++) {
            char c = authorization.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return null; // never a configured token (printable ASCII): and no char may alias another's byte
            }
            sha256.update((byte) c);
        }
        try {
            sha256.digest(s.digest, 0, DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("a 32-byte buffer holds a SHA-256 digest", e);
        }
        int found = Secrets.indexOf(tokenDigests, s.digest);
        return found < 0 ? null : tokenOwners[found];
    }
}
