package dev.merlin.exchange.auction;

import dev.merlin.config.CreativeConfig;
import java.util.List;
import java.util.Locale;

/** A creative compiled for the auction: format as a code, blocks as arrays, the markup split at its macros. */
public final class Creative {

    static final int BANNER = 0;
    static final int VIDEO = 1;
    static final int AUDIO = 2;
    static final int NATIVE = 3;

    final int index;
    final String id;
    final int format;
    final int w;
    final int h;
    final int durationSeconds;
    final List<String> mimes;
    final String markup;
    final String landingPage;
    final List<String> adomain;
    final String[] cat;
    final int[] attr;
    final String bundle;
    /**
     * Whether the markup loads nothing over plain {@code http://}, so it may serve into a secure impression
     * ({@code imp.secure=1}). Links (the click URL) navigate rather than load, and Merlin's own macros are not in
     * the template, so only the template's literal URLs count.
     */
    final boolean secureMarkup;
    private final List<String> catList;
    private final List<Integer> attrList;

    Creative(int index, CreativeConfig config) {
        this.index = index;
        this.id = config.id();
        this.format = formatCode(config.format());
        this.w = config.w() == null ? 0 : config.w();
        this.h = config.h() == null ? 0 : config.h();
        this.durationSeconds = config.durationSeconds() == null ? 0 : config.durationSeconds();
        this.mimes = config.mimes();
        this.markup = config.markup();
        this.landingPage = config.landingPage();
        this.adomain = config.adomain();
        this.cat = config.cat().toArray(new String[0]);
        this.attr = config.attr().stream().mapToInt(Integer::intValue).toArray();
        this.bundle = config.bundle();
        String lower = config.markup() == null ? "" : config.markup().toLowerCase(Locale.ROOT);
        // as Prebid Server's secure-markup check reads it: a plain-http URL, written out or URL-encoded
        this.secureMarkup = !lower.contains("http://") && !lower.contains("http%3a");
        this.catList = config.cat().isEmpty() ? null : List.copyOf(config.cat());
        this.attrList = config.attr().isEmpty() ? null : List.copyOf(config.attr());
    }

    /** {@code cat} as the bid carries it; null when empty. */
    public List<String> catList() {
        return catList;
    }

    /** {@code attr} as the bid carries it; null when empty. */
    public List<Integer> attrList() {
        return attrList;
    }

    static int formatCode(String format) {
        switch (format) {
            case "banner": return BANNER;
            case "video": return VIDEO;
            case "audio": return AUDIO;
            case "native": return NATIVE;
            default: throw new IllegalArgumentException("unknown format " + format);
        }
    }

    /** The creative id ({@code crid}). */
    public String id() {
        return id;
    }

    /** Where a click on this creative may go. */
    public String landingPage() {
        return landingPage;
    }

    /** Advertiser domains ({@code bid.adomain}). */
    public List<String> adomain() {
        return adomain;
    }

    /** The markup template. */
    public String markup() {
        return markup;
    }

    /** Width in px, 0 when not a banner. */
    public int w() {
        return w;
    }

    /** Height in px, 0 when not a banner. */
    public int h() {
        return h;
    }

    /** IAB categories of the ad. */
    public String[] cat() {
        return cat;
    }

    /** Creative attributes. */
    public int[] attr() {
        return attr;
    }

    /** The promoted app bundle, or null. */
    public String bundle() {
        return bundle;
    }
}
