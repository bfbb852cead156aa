package dev.merlin.exchange.http;

import dev.merlin.config.DspConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.protocol.JsonText;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.List;

/**
 * The exchange's books as reports, per UTC day of the auction ({@link DspAccounts}): {@code /reports/dsps}, what
 * each DSP owes per currency it bid in (and the same in the exchange currency), and {@code /reports/payouts}, what
 * each seller's publishers are owed, gross and net of the take rate, for impressions won by Merlin's campaigns and
 * by DSPs. JSON, or CSV. The configured DSPs and sellers are the rows; amounts have at most 6 decimals.
 */
final class AccountsReports {

    private final DspAccounts accounts;
    private final List<DspConfig> dsps;
    private final List<SellerConfig> sellers;
    private final String exchangeCurrency;

    AccountsReports(DspAccounts accounts, List<DspConfig> dsps, List<SellerConfig> sellers,
                    String exchangeCurrency) {
        this.accounts = accounts;
        this.dsps = List.copyOf(dsps);
        this.sellers = List.copyOf(sellers);
        this.exchangeCurrency = exchangeCurrency;
    }

    /** {@code /reports/dsps} over the days from {@code from} to {@code to}; only DSP {@code only} unless null. */
    String dsps(LocalDate from, LocalDate to, String only, boolean isCsv) {
        StringBuilder sb = new StringBuilder(256);
        if (isCsv) {
            sb.append("day,dsp,currency,impressions,owed,owed_exchange,exchange_currency\n");
        } else {
            sb.append("{\"from\":\"").append(from).append("\",\"to\":\"").append(to)
                    .append("\",\"exchangeCurrency\":\"").append(exchangeCurrency).append("\",\"rows\":[");
        }
        boolean isFirst = true;
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            for (DspConfig dsp : dsps) {
                if (only != null && !only.equals(dsp.id())) {
                    continue;
                }
                for (String currency : dsp.currencies().isEmpty() ? List.of(exchangeCurrency) : dsp.currencies()) {
                    long impressions = accounts.owed(dsp.id(), currency, DspAccounts.Owed.IMPRESSIONS, day);
                    String owed = money(accounts.owed(dsp.id(), currency, DspAccounts.Owed.OWED_NANOS, day));
                    String owedExchange = money(accounts.owed(dsp.id(), currency,
                            DspAccounts.Owed.OWED_EXCHANGE_NANOS, day));
                    if (isCsv) {
                        sb.append(day).append(',').append(dsp.id()).append(',').append(currency).append(',')
                                .append(impressions).append(',').append(owed).append(',').append(owedExchange)
                                .append(',').append(exchangeCurrency).append('\n');
                        continue;
                    }
                    sb.append(isFirst ? "" : ",").append("{\"day\":\"").append(day).append("\",\"dsp\":");
                    JsonText.appendString(sb, dsp.id());
                    sb.append(",\"currency\":");
                    JsonText.appendString(sb, currency);
                    sb.append(",\"impressions\":").append(impressions).append(",\"owed\":").append(owed)
                            .append(",\"owedExchange\":").append(owedExchange).append('}');
                    isFirst = false;
                }
            }
        }
        return isCsv ? sb.toString() : sb.append("]}").toString();
    }

    /** {@code /reports/payouts} over the days from {@code from} to {@code to}; only seller {@code only} unless null. */
    String payouts(LocalDate from, LocalDate to, String only, boolean isCsv) {
        StringBuilder sb = new StringBuilder(256);
        if (isCsv) {
            sb.append("day,seller,campaign_impressions,campaign_gross,campaign_payout,dsp_impressions,dsp_gross,")
                    .append("dsp_payout,payout,currency\n");
        } else {
            sb.append("{\"from\":\"").append(from).append("\",\"to\":\"").append(to).append("\",\"currency\":\"")
                    .append(exchangeCurrency).append("\",\"rows\":[");
        }
        boolean isFirst = true;
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            for (SellerConfig seller : sellers) {
                if (only != null && !only.equals(seller.id())) {
                    continue;
                }
                long[] v = new long[DspAccounts.Payout.values().length];
                for (DspAccounts.Payout metric : DspAccounts.Payout.values()) {
                    v[metric.ordinal()] = accounts.payout(seller.id(), metric, day);
                }
                String payout = money(saturatingSum(v[DspAccounts.Payout.CAMPAIGN_PAYOUT_NANOS.ordinal()],
                        v[DspAccounts.Payout.DSP_PAYOUT_NANOS.ordinal()]));
                if (isCsv) {
                    sb.append(day).append(',').append(seller.id()).append(',').append(v[0]).append(',')
                            .append(money(v[1])).append(',').append(money(v[2])).append(',').append(v[3])
                            .append(',').append(money(v[4])).append(',').append(money(v[5])).append(',')
                            .append(payout).append(',').append(exchangeCurrency).append('\n');
                    continue;
                }
                sb.append(isFirst ? "" : ",").append("{\"day\":\"").append(day).append("\",\"seller\":");
                JsonText.appendString(sb, seller.id());
                sb.append(",\"campaignImpressions\":").append(v[0]).append(",\"campaignGross\":").append(money(v[1]))
                        .append(",\"campaignPayout\":").append(money(v[2])).append(",\"dspImpressions\":")
                        .append(v[3]).append(",\"dspGross\":").append(money(v[4])).append(",\"dspPayout\":")
                        .append(money(v[5])).append(",\"payout\":").append(payout).append('}');
                isFirst = false;
            }
        }
        return isCsv ? sb.toString() : sb.append("]}").toString();
    }

    /** Nanos of a currency as a plain decimal amount, rounded half up to 6 decimals. */
    static String money(long nanos) {
        return BigDecimal.valueOf(nanos, 9).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static long saturatingSum(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
