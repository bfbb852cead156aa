package dev.merlin.exchange.http;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.secrets.Secrets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Whose a bearer token on the campaign report is: the operator's (the admin token), an advertiser's (its report
 * token), or nobody's. The presented token is digested once per request, and only when it is no longer than a token
 * Merlin accepts ({@link ReportsEndpoint#bearerToken}); the advertisers' tokens are digested once per catalogue, not
 * per request. So refusing a stranger costs one digest of at most 256 characters and a comparison per advertiser,
 * on the event loop, however long the token sent and however many advertisers there are.
 */
final class ReportTokens {

    /** What a token never presented digests to: no digest of 32 bytes equals it. */
    private static final byte[] NONE = new byte[0];

    private final CatalogSource catalog;
    private final byte[] adminDigest;
    private volatile Index index;

    /** The report tokens of one catalogue's advertisers, in its order, and their digests. */
    private record Index(List<AdvertiserConfig> advertisers, byte[][] digests) {

        static Index of(List<AdvertiserConfig> advertisers) {
            byte[][] digests = new byte[advertisers.size()][];
            for (int i = 0; i < digests.length; i++) {
                String token = advertisers.get(i).reportToken();
                digests[i] = token == null ? NONE : Secrets.digest(token);
            }
            return new Index(advertisers, digests);
        }
    }

    ReportTokens(CatalogSource catalog, String adminToken) {
        this.catalog = catalog;
        this.adminDigest = adminToken == null ? NONE : Secrets.digest(adminToken);
    }

    /** The digest of the token {@code bearer} names, or null when there is none (absent, or too long). */
    static byte[] digestOf(String bearer) {
        return bearer == null ? null : Secrets.digest(bearer);
    }

    /** Whether {@code given} (a {@link #digestOf} result) is the admin token's digest, in constant time. */
    boolean isAdmin(byte[] given) {
        return given != null && MessageDigest.isEqual(adminDigest, given);
    }

    /**
     * The advertisers of the current catalogue whose reports {@code given} opens: every one for the admin token, the
     * one whose report token it is, or none. Every advertiser's digest is compared, without an early exit.
     */
    List<AdvertiserConfig> advertisersOpenedBy(byte[] given) {
        Index current = current();
        if (given == null) {
            return List.of();
        }
        if (isAdmin(given)) {
            return current.advertisers();
        }
        List<AdvertiserConfig> opened = new ArrayList<>(1);
        for (int i = 0; i < current.digests().length; i++) {
            if (MessageDigest.isEqual(current.digests()[i], given)) {
                opened.add(current.advertisers().get(i));
            }
        }
        return opened;
    }

    /** Whether {@code given} opens some advertiser's reports (the admin token included), in constant time. */
    boolean opensAny(byte[] given) {
        if (given == null) {
            return false;
        }
        return isAdmin(given) | Secrets.indexOf(current().digests(), given) >= 0;
    }

    private Index current() {
        List<AdvertiserConfig> advertisers = catalog.current().advertisers();
        Index known = index;
        if (known == null || known.advertisers() != advertisers) {
            known = Index.of(advertisers); // a new catalogue (an admin change): its tokens digested once
            index = known;
        }
        return known;
    }
}
