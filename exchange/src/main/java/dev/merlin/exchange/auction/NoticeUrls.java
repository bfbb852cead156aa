package dev.merlin.exchange.auction;

import dev.merlin.exchange.secrets.Secrets;
import java.security.DigestException;
import java.security.MessageDigest;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Writes and verifies the win, billing, loss and click links a bid carries.
 *
 * <p>Merlin's own parameters are signed with an HMAC-SHA256 ({@code sig}, 128 bits) under the exchange's notice
 * secret: {@code a} (the auction id Merlin issued, {@link AuctionIds}: what charging, clicking and commitments are
 * keyed on, never the seller's request id), {@code rid}, {@code iid}, {@code c}, {@code cr} identify the impression
 * (and {@code d}, only when a DSP won it: the DSP's id, with {@code c} the DSP's id and {@code cr} its bid's
 * {@code crid}; so the links of Merlin's own campaigns carry no {@code d});
 * {@code bt} (the auction's time,
 * epoch seconds: how late a notice is), {@code bp} (Merlin's bid price, exchange-currency micros, net of the take
 * rate: what it offered the seller) and {@code bc} (the currency the response priced the bid in) are what the
 * notice needs to charge without guessing; {@code s}, the seller the request came from (its sellers.json id: whose
 * inventory it was, for the payout); then {@code u}, {@code t}, {@code np} when present. So a notice for an
 * impression Merlin never bid on — a forged URL — or with its time or price altered charges nothing. The standard
 * OpenRTB macros ({@code ${AUCTION_PRICE}}, {@code ${AUCTION_CURRENCY}}, {@code ${AUCTION_LOSS}} …) follow the
 * signature, unsigned, for the seller to fill:
 * {@code /bill?a=18f3a2c0b4500001&rid=R&iid=I&c=C&cr=CR&bt=1781524800&bp=1000000&bc=JPY&s=demo-ssp&np=1&sig=S&…
 * &price=${AUCTION_PRICE}…}.
 *
 * <p>The links of a secure imp ({@code imp.secure=1}) are under the secure base URL ({@code https://}); without
 * one, {@link #canLinkSecurely} is false and the auction does not bid on secure imps.
 *
 * <p>The bid path writes the links straight into its response buffer ({@link #writeLink}): the signed query once,
 * then copied into the other links, signed without allocating (HMAC-SHA256 over a per-thread SHA-256 digest). The
 * string forms ({@link #links}, {@link #verify}) write the same bytes into a scratch buffer.
 */
public final class NoticeUrls {

    /** The kinds of link a bid carries, with the unsigned macros that follow each one's signature. */
    public enum Link {
        /** {@code nurl}: the win notice. */
        WIN("/win?", "&auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}"),
        /** {@code burl}: the billing notice, what spends budget. */
        BILL("/bill?", "&auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}"),
        /** {@code lurl}: the loss notice, with the loss reason and the winning price. */
        LOSS("/loss?", "&auction=${AUCTION_ID}&loss=${AUCTION_LOSS}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}"
                + "&mintowin=${AUCTION_MIN_TO_WIN}"),
        /** What {@code ${CLICK_URL}} in the markup becomes. */
        CLICK("/click?", "");

        final String path;
        final String macros;

        Link(String path, String macros) {
            this.path = path;
            this.macros = macros;
        }
    }

    /** The four links of one bid, signed once. */
    public record Links(String win, String bill, String loss, String click) {
    }

    private static final int SHA256_BLOCK_BYTES = 64;
    private static final int SIGNATURE_BYTES = 16;
    private static final String SIG = "&sig=";
    private static final int SCRATCH_BYTES = 1024;

    private final String base;
    private final String secureBase;
    private final byte[] innerPad = new byte[SHA256_BLOCK_BYTES];
    private final byte[] outerPad = new byte[SHA256_BLOCK_BYTES];
    private final ThreadLocal<Signer> signers = ThreadLocal.withInitial(Signer::new);

    /** What one thread signs with, reused from link to link. */
    private static final class Signer {
        final MessageDigest sha256 = Secrets.newSha256();
        final byte[] digest = new byte[Secrets.DIGEST_BYTES];
        final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(SCRATCH_BYTES);
        final TextCursor cursor = new TextCursor();
        byte[] message = new byte[SCRATCH_BYTES];
    }

    /** Links under {@code publicUrl} (secure ones too when it is https), signed with {@code secret}. */
    public NoticeUrls(String publicUrl, byte[] secret) {
        this(publicUrl, publicUrl.regionMatches(true, 0, "https://", 0, 8) ? publicUrl : null, secret);
    }

    /**
     * Links under {@code publicUrl}, those of secure imps under {@code secureUrl} (an https URL, or null when there
     * is none), signed with {@code secret}.
     */
    public NoticeUrls(String publicUrl, String secureUrl, byte[] secret) {
        this.base = withoutSlash(publicUrl);
        this.secureBase = secureUrl == null ? null : withoutSlash(secureUrl);
        // RFC 2104: a key longer than the block is hashed first; both pads are the key XOR'd with a constant
        byte[] key = secret.length > SHA256_BLOCK_BYTES ? Secrets.newSha256().digest(secret) : secret;
        for (int i = 0; i < SHA256_BLOCK_BYTES; i++) {
            byte k = i < key.length ? key[i] : 0;
            innerPad[i] = (byte) (k ^ 0x36);
            outerPad[i] = (byte) (k ^ 0x5c);
        }
    }

    private static String withoutSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Whether links for secure imps can be made: an https base URL is configured. */
    public boolean canLinkSecurely() {
        return secureBase != null;
    }

    /**
     * The base URL of a bid's links: the secure one when {@code isSecure} (the imp's {@code secure=1}).
     *
     * @throws IllegalStateException when {@code isSecure} and {@link #canLinkSecurely} is false
     */
    String base(boolean isSecure) {
        if (isSecure && secureBase == null) {
            throw new IllegalStateException("no https URL for the links of a secure imp (exchange.securePublicUrl)");
        }
        return isSecure ? secureBase : base;
    }

    /**
     * Writes the {@code link} of the bid {@code identity} names, signing its query: the base URL (JSON-escaped when
     * {@code out} writes a JSON string), the path, the signed query and the link's macros. Returns where in
     * {@code out}'s buffer the signed query starts; it is {@link #signedQueryLength} bytes of ASCII, which the other
     * links of the bid copy with {@link #writeLink(TextCursor, Link, boolean, DirectBuffer, int, int)}.
     */
    int writeLink(TextCursor out, Link link, NoticeIdentity identity) {
        out.text(base(identity.isSecure())).ascii(link.path);
        int queryStart = out.position();
        writeSignedQuery(out, identity);
        out.ascii(link.macros);
        return queryStart;
    }

    /** Writes the {@code link} of a bid whose signed query was written before, at {@code from} in {@code query}. */
    void writeLink(TextCursor out, Link link, boolean isSecure, DirectBuffer query, int from, int length) {
        out.text(base(isSecure)).ascii(link.path).copy(query, from, length).ascii(link.macros);
    }

    /** Bytes of the signed query {@link #writeLink} wrote at {@code queryStart}, up to {@code out}'s position. */
    static int signedQueryLength(TextCursor out, Link link, int queryStart) {
        return out.position() - queryStart - link.macros.length();
    }

    /**
     * Writes the signed query of {@code identity}: {@code a, rid, iid, c, cr}, {@code d} when a DSP won,
     * {@code bt, bp, bc}, {@code s} when there is a seller, {@code u} or {@code np=1}, {@code t=1} for a test, then
     * {@code &sig=} and the signature. ASCII that needs no JSON escaping.
     */
    void writeSignedQuery(TextCursor out, NoticeIdentity identity) {
        int start = out.position();
        out.ascii("a=").hex(identity.auctionId());
        out.ascii("&rid=").urlEncoded(identity.requestId());
        out.ascii("&iid=").urlEncoded(identity.impId());
        out.ascii("&c=").urlEncoded(identity.campaignId());
        out.ascii("&cr=").urlEncoded(identity.creativeId());
        if (identity.dspId() != null) {
            out.ascii("&d=").urlEncoded(identity.dspId());
        }
        out.ascii("&bt=").decimal(identity.auctionEpochSeconds());
        out.ascii("&bp=").decimal(identity.bidPriceMicros());
        out.ascii("&bc=").urlEncoded(identity.currency());
        if (identity.sellerId() != null) {
            out.ascii("&s=").urlEncoded(identity.sellerId());
        }
        if (identity.userHash() == 0) {
            out.ascii("&np=1");
        } else {
            out.ascii("&u=").hex(identity.userHash());
        }
        if (identity.isTest()) {
            out.ascii("&t=1");
        }
        int length = out.position() - start;
        Signer signer = signers.get();
        sign(signer, out, start, length);
        out.ascii(SIG).hex(signer.digest, 0, SIGNATURE_BYTES);
    }

    /** HMAC-SHA256 of the query bytes at {@code start} in {@code out}'s buffer, into {@code signer.digest}. */
    private void sign(Signer signer, TextCursor out, int start, int length) {
        if (signer.message.length < length) {
            signer.message = new byte[Math.max(length, 2 * signer.message.length)];
        }
        out.buffer().getBytes(start, signer.message, 0, length);
        MessageDigest sha256 = signer.sha256;
        try {
            sha256.reset();
            sha256.update(innerPad);
            sha256.update(signer.message, 0, length);
            sha256.digest(signer.digest, 0, Secrets.DIGEST_BYTES);
            sha256.update(outerPad);
            sha256.update(signer.digest, 0, Secrets.DIGEST_BYTES);
            sha256.digest(signer.digest, 0, Secrets.DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("a 32-byte digest fits its 32-byte array", e);
        }
    }

    /** The links of one bid, as text (for reports and tests; the bid path writes them with {@link #writeLink}). */
    public Links links(NoticeIdentity identity) {
        Signer signer = signers.get();
        TextCursor out = signer.cursor.wrap(signer.scratch, 0, Integer.MAX_VALUE, false);
        int queryStart = out.text(base(identity.isSecure())).ascii(Link.CLICK.path).position();
        writeSignedQuery(out, identity);
        String click = signer.scratch.getStringWithoutLengthUtf8(0, out.position());
        int queryLength = out.position() - queryStart;
        return new Links(link(signer, Link.WIN, identity.isSecure(), queryStart, queryLength),
                link(signer, Link.BILL, identity.isSecure(), queryStart, queryLength),
                link(signer, Link.LOSS, identity.isSecure(), queryStart, queryLength), click);
    }

    private String link(Signer signer, Link link, boolean isSecure, int queryStart, int queryLength) {
        int from = queryStart + queryLength;
        TextCursor out = signer.cursor.wrap(signer.scratch, from, Integer.MAX_VALUE - from, false);
        writeLink(out, link, isSecure, signer.scratch, queryStart, queryLength);
        return signer.scratch.getStringWithoutLengthUtf8(from, out.position() - from);
    }

    /**
     * Whether {@code sig} signs the notice identity as a link carried it ({@code identity} filled from its decoded
     * parameters): Merlin signed exactly these values, so none was altered.
     */
    public boolean verify(NoticeIdentity identity, String sig) {
        if (sig == null || identity.requestId() == null || identity.impId() == null
                || identity.campaignId() == null || identity.creativeId() == null || identity.currency() == null) {
            return false;
        }
        Signer signer = signers.get();
        TextCursor out = signer.cursor.wrap(signer.scratch, 0, Integer.MAX_VALUE, false);
        writeSignedQuery(out, identity);
        int sigStart = out.position() - 2 * SIGNATURE_BYTES;
        String expected = signer.scratch.getStringWithoutLengthAscii(sigStart, 2 * SIGNATURE_BYTES);
        return Secrets.matches(expected, sig);
    }

    /** A query parameter's value as links carry it and signatures cover it (form-encoded UTF-8). */
    public static String encode(String value) {
        ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(value.length() * 3 + 16);
        int length = new TextCursor().wrap(buffer, 0, Integer.MAX_VALUE, false).urlEncoded(value);
        return buffer.getStringWithoutLengthAscii(0, length);
    }
}
