package dev.merlin.exchange.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import dev.merlin.exchange.privacy.UidCookies;
import java.util.Set;

/**
 * Merlin's first-party cookies: {@code uid} (the user, long-lived, signed: see {@link UidCookies}) and
 * {@code merlin_optout}; both {@code SameSite=None; Secure} so the pixel works when embedded on advertisers' sites.
 */
final class Cookies {

    static final String UID = "uid";
    static final String OPT_OUT = "merlin_optout";

    private Cookies() {
    }

    /** The value of cookie {@code name} on the request, or null. */
    static String get(HttpRequest request, String name) {
        String header = request.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return null;
        }
        Set<Cookie> cookies = ServerCookieDecoder.LAX.decode(header);
        for (Cookie cookie : cookies) {
            if (name.equals(cookie.name())) {
                return cookie.value().isEmpty() ? null : cookie.value();
            }
        }
        return null;
    }

    /**
     * The browser's uid: its {@code uid} cookie when Merlin issued it (signed with this exchange's key), else null —
     * an unsigned, forged or foreign value (a device's IFA, say) is no uid at all.
     */
    static String uid(HttpRequest request, UidCookies uids) {
        return uids.fromCookie(get(request, UID));
    }

    /** Whether the browser carries Merlin's opt-out cookie. */
    static boolean isOptedOut(HttpRequest request) {
        return "1".equals(get(request, OPT_OUT));
    }

    /** A user key Merlin accepts from a cookie or a URL: 1 to 128 characters of letters, digits, '-', '_', '.'. */
    static boolean isUsableKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 128) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** The {@code Set-Cookie} value for a cookie that lives {@code days} (0: delete it). */
    static String setCookie(String name, String value, int days) {
        DefaultCookie cookie = new DefaultCookie(name, value);
        cookie.setPath("/");
        cookie.setMaxAge(days * 86_400L);
        cookie.setHttpOnly(true);
        cookie.setSecure(true);
        cookie.setSameSite(CookieHeaderNames.SameSite.None);
        return ServerCookieEncoder.STRICT.encode(cookie);
    }
}
