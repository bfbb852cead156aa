package dev.merlin.exchange.auction;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.User;

/** Picks the key a user's data is stored under, without allocating ({@code privacy.UserHash} hashes it). */
public final class UserKeys {

    private UserKeys() {
    }

    /**
     * The user key of a request, in order of preference: {@code user.buyeruid} (Merlin's own uid, as the seller
     * mapped it), {@code user.id}, then {@code device.ifa}; a {@linkplain #isSentinel sentinel} is no key and the
     * next one is taken; null when none is left.
     */
    public static String select(BidRequest request) {
        User user = request.user;
        if (user != null) {
            if (isUser(user.buyeruid)) {
                return user.buyeruid;
            }
            if (isUser(user.id)) {
                return user.id;
            }
        }
        Device device = request.device;
        if (device != null && isUser(device.ifa)) {
            return device.ifa;
        }
        return null;
    }

    /** Whether {@code key} names a user: present and not a {@linkplain #isSentinel sentinel}. */
    public static boolean isUser(CharSequence key) {
        return key != null && !isSentinel(key);
    }

    /**
     * Whether {@code key} is a placeholder every such device shares rather than a user: empty or blank, only zeros
     * and dashes (the all-zero IFA {@code 00000000-0000-0000-0000-000000000000} iOS and Android report when tracking
     * is refused, {@code "0"}, {@code "0000"}), or an SDK's unfilled value ({@code null}, {@code undefined},
     * {@code unknown}, any case). Allocation-free.
     */
    public static boolean isSentinel(CharSequence key) {
        if (key == null) {
            return true;
        }
        boolean onlyZerosDashesBlanks = true;
        for (int i = 0; i < key.length() && onlyZerosDashesBlanks; i++) {
            char c = key.charAt(i);
            onlyZerosDashesBlanks = c == '0' || c == '-' || c == ' ';
        }
        return onlyZerosDashesBlanks || isWord(key, "null") || isWord(key, "undefined") || isWord(key, "unknown");
    }

    private static boolean isWord(CharSequence key, String word) {
        if (key.length() != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (Character.toLowerCase(key.charAt(i)) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
