package dev.merlin.exchange.sellers;

import dev.merlin.config.ExchangeSettings;
import dev.merlin.config.SellerConfig;
import java.util.List;

/**
 * Merlin's {@code sellers.json} (IAB Tech Lab sellers.json 1.0), built once from the config: {@code version},
 * {@code contact_email} and {@code contact_address} when configured, and one entry per seller with
 * {@code seller_id}, {@code seller_type}, and {@code name} and {@code domain} — which a confidential seller
 * ({@code is_confidential: 1}) withholds, as the specification allows.
 */
public final class SellersJson {

    private SellersJson() {
    }

    /** The document's JSON text. */
    public static String render(ExchangeSettings exchange, List<SellerConfig> sellers) {
        StringBuilder sb = new StringBuilder(256 + sellers.size() * 128);
        sb.append('{');
        if (exchange.contactEmail() != null) {
            sb.append("\"contact_email\":");
            string(sb, exchange.contactEmail());
            sb.append(',');
        }
        if (exchange.contactAddress() != null) {
            sb.append("\"contact_address\":");
            string(sb, exchange.contactAddress());
            sb.append(',');
        }
        sb.append("\"version\":\"1.0\",\"sellers\":[");
        for (int i = 0; i < sellers.size(); i++) {
            SellerConfig seller = sellers.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"seller_id\":");
            string(sb, seller.id());
            sb.append(",\"seller_type\":");
            string(sb, seller.type());
            if (seller.isConfidential()) {
                sb.append(",\"is_confidential\":1");
            } else {
                sb.append(",\"name\":");
                string(sb, seller.name());
                sb.append(",\"domain\":");
                string(sb, seller.domain());
            }
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    private static void string(StringBuilder sb, String value) {
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
