package dev.merlin.exchange.auction;

/** IAB content taxonomy helpers: {@code IAB17-1} is a child of {@code IAB17}, {@code IAB171} is not. */
public final class IabCategories {

    private IabCategories() {
    }

    /** True when {@code category} is {@code parent} or one of its sub-categories. */
    public static boolean isSameOrChild(String category, String parent) {
        return category.startsWith(parent)
                && (category.length() == parent.length() || category.charAt(parent.length()) == '-');
    }
}
