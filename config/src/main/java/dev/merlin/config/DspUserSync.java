package dev.merlin.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;

/**
 * How a browser syncs its id with a DSP (Prebid Server's user sync): {@code POST /cookie_sync} hands the browser
 * this URL, the DSP redirects it to Merlin's {@code /setuid} with its id for the user.
 *
 * @param url  the DSP's sync URL (http or https) with Prebid's macros {@code {{gdpr}}}, {@code {{gdpr_consent}}},
 *             {@code {{us_privacy}}}, {@code {{gpp}}}, {@code {{gpp_sid}}} and {@code {{redirect_url}}} (Merlin's
 *             {@code /setuid} link for this DSP, URL-encoded, its {@code uid=$UID} for the DSP to fill)
 * @param type {@code redirect} (an image pixel; default) or {@code iframe}
 */
public record DspUserSync(String url, String type) {

    /** The sync types Prebid Server knows. */
    public static final Set<String> TYPES = Set.of("redirect", "iframe");

    /** Fills the type with its default. */
    public DspUserSync {
        type = type == null ? "redirect" : type;
    }

    void validate(String at) {
        ConfigChecks.notBlank(at + ".url", url);
        try {
            URI uri = new URI(url.replace("{{", "").replace("}}", ""));
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new ConfigException(at + ".url", "value " + url + " is not allowed; expected an http:// or"
                        + " https:// URL");
            }
        } catch (URISyntaxException e) {
            throw new ConfigException(at + ".url", "value " + url + " is not a URL: " + e.getReason());
        }
        if (!url.contains("{{redirect_url}}")) {
            // a sync completes only through the redirect /cookie_sync signs: without it no browser ever syncs
            throw new ConfigException(at + ".url", "value " + url + " has no {{redirect_url}}; a sync ends at the"
                    + " /setuid link (with its state) /cookie_sync puts there, so the DSP must redirect to it");
        }
        ConfigChecks.oneOf(at + ".type", type, TYPES);
    }
}
