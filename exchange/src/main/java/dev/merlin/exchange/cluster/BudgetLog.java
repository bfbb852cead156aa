package dev.merlin.exchange.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The budget log's state: per campaign, the ceiling each node holds for the current UTC day and in total, built by
 * applying the nodes' proposals in the order of the log's one partition. Every node applies the same records in the
 * same order with this same rule, and the rule reads nothing but the records, so every node computes the same
 * ceilings: no master decides, and none is needed.
 *
 * <p><b>The rule.</b> A proposal of node n for a campaign names a ceiling X for one scope (the day, the total) with
 * the budget B it holds against. With P the ceiling n held and S the sum of all nodes' ceilings:
 * <ul>
 *   <li>X ≤ P (n hands back what it holds beyond its usage and one slice): n's ceiling becomes X;</li>
 *   <li>X &gt; P: it becomes max(P, min(X, B − (S − P))): raised at most to what the others leave of the budget.</li>
 * </ul>
 * So S never passes B once it is at or below it, and a node never spends past its ceiling (it holds to a lower
 * proposal from the moment it makes it, to a higher one only once the log granted it; see
 * {@link dev.merlin.exchange.auction.SpendLedger#propose}). Hence the spend plus commitments of all nodes together
 * never pass the budget. A record for a day older than the newest day the campaign has seen changes its total only.
 *
 * <p><b>Refused records</b> (counted, the state unchanged): shorter than the layout, a node id outside 0–1023, a
 * negative ceiling or one above its budget, a budget of 0 or less, a day before 1970, a campaign id empty, longer than
 * 200 bytes or not UTF-8, a new campaign beyond {@link #MAX_CAMPAIGNS}, and a day that starts more than
 * {@link #MAX_AHEAD_MILLIS} after the time the broker appended the record (or a record without that time). The
 * newest day seen replaces the campaign's day ceilings, so one record of a far-off day would leave every node
 * without a daily budget for good; the append time is in the record (the topic is created with
 * {@code message.timestamp.type=LogAppendTime}), so every node bounds it alike. What one refuses, all refuse.
 *
 * <p>Value layout, big-endian:
 * <pre>
 *  0       4          12            20              28           36           44          52
 * +-------+----------+-------------+---------------+------------+------------+-----------+----------------+
 * | node  | epochDay | dayCeiling  | totalCeiling  | dailyBudget| totalBudget| proposal  | campaign id    |
 * | int   | long     | long micros | long micros   | long micros| long micros| seq long  | UTF-8, to end  |
 * +-------+----------+-------------+---------------+------------+------------+-----------+----------------+
 * </pre>
 * A budget of {@link Long#MAX_VALUE} means none: that scope is not shared and its ceilings are not kept.
 */
public final class BudgetLog {

    /** Campaigns the state keeps at most; a record for one more is refused. */
    public static final int MAX_CAMPAIGNS = 100_000;
    /** How far a record's day may start after the record was appended: the skew allowed a node's clock. */
    public static final long MAX_AHEAD_MILLIS = 60_000;
    private static final long DAY_MILLIS = 86_400_000L;
    static final int HEADER_BYTES = 52;
    private static final int MAX_ID_BYTES = 200;
    private static final int MAX_NODE_ID = 1023;

    private final Map<String, CampaignState> campaigns = new HashMap<>();
    private long applied;
    private long refused;

    /** One proposal: node {@code node} asks for these ceilings of campaign {@code campaignId}. */
    public record Proposal(int node, String campaignId, long epochDay, long dayCeilingMicros, long totalCeilingMicros,
                           long dailyBudgetMicros, long totalBudgetMicros, long seq) {

        /** The record's value in the layout above. */
        public byte[] encode() {
            byte[] id = campaignId.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(HEADER_BYTES + id.length).putInt(node).putLong(epochDay)
                    .putLong(dayCeilingMicros).putLong(totalCeilingMicros).putLong(dailyBudgetMicros)
                    .putLong(totalBudgetMicros).putLong(seq).put(id).array();
        }

        /** The proposal a record's value holds, or null when it is not one the rule takes (see the class comment). */
        public static Proposal decode(byte[] value) {
            if (value == null || value.length <= HEADER_BYTES || value.length > HEADER_BYTES + MAX_ID_BYTES) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(value);
            int node = buffer.getInt();
            long day = buffer.getLong();
            long dayCeiling = buffer.getLong();
            long totalCeiling = buffer.getLong();
            long dailyBudget = buffer.getLong();
            long totalBudget = buffer.getLong();
            long seq = buffer.getLong();
            String id;
            try {
                id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(buffer).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
            if (node < 0 || node > MAX_NODE_ID || day < 0 || dailyBudget <= 0 || totalBudget <= 0
                    || dayCeiling < 0 || dayCeiling > dailyBudget || totalCeiling < 0 || totalCeiling > totalBudget) {
                return null;
            }
            return new Proposal(node, id, day, dayCeiling, totalCeiling, dailyBudget, totalBudget, seq);
        }
    }

    /**
     * Applies one record of the log, its value and the time the broker appended it (epoch millis; negative: none);
     * returns the proposal it held, or null when it was refused (counted).
     */
    public Proposal apply(byte[] value, long appendedAtMillis) {
        Proposal proposal = Proposal.decode(value);
        if (proposal != null && (appendedAtMillis < 0
                || proposal.epochDay > Math.floorDiv(appendedAtMillis + MAX_AHEAD_MILLIS, DAY_MILLIS))) {
            proposal = null;
        }
        CampaignState state = proposal == null ? null : campaigns.get(proposal.campaignId);
        if (proposal != null && state == null && campaigns.size() < MAX_CAMPAIGNS) {
            state = new CampaignState();
            campaigns.put(proposal.campaignId, state);
        }
        if (state == null) {
            refused++;
            return null;
        }
        applied++;
        if (proposal.epochDay > state.epochDay) {
            state.epochDay = proposal.epochDay;
            state.day.clear();
        }
        if (proposal.epochDay == state.epochDay) {
            state.day.apply(proposal.node, proposal.dayCeilingMicros, proposal.dailyBudgetMicros);
        }
        state.total.apply(proposal.node, proposal.totalCeilingMicros, proposal.totalBudgetMicros);
        return proposal;
    }

    /** Node {@code node}'s ceiling for the campaign's day {@code epochDay}: 0 when it holds none. */
    public long dayCeiling(String campaignId, int node, long epochDay) {
        CampaignState state = campaigns.get(campaignId);
        return state == null || state.epochDay != epochDay ? 0 : state.day.of(node);
    }

    /** Node {@code node}'s ceiling for the campaign's total: 0 when it holds none. */
    public long totalCeiling(String campaignId, int node) {
        CampaignState state = campaigns.get(campaignId);
        return state == null ? 0 : state.total.of(node);
    }

    /** What all nodes together hold of the campaign's day {@code epochDay}. */
    public long dayHeld(String campaignId, long epochDay) {
        CampaignState state = campaigns.get(campaignId);
        return state == null || state.epochDay != epochDay ? 0 : state.day.sum;
    }

    /** What all nodes together hold of the campaign's total. */
    public long totalHeld(String campaignId) {
        CampaignState state = campaigns.get(campaignId);
        return state == null ? 0 : state.total.sum;
    }

    /** Records applied. */
    public long applied() {
        return applied;
    }

    /** Records refused (see the class comment). */
    public long refused() {
        return refused;
    }

    /** One campaign: the newest day seen, the nodes' ceilings for it, and their ceilings of the total. */
    private static final class CampaignState {
        long epochDay = Long.MIN_VALUE;
        final Scope day = new Scope();
        final Scope total = new Scope();
    }

    /** The nodes' ceilings of one budget, and their sum. */
    private static final class Scope {
        final Map<Integer, Long> ceilings = new HashMap<>();
        long sum;

        long of(int node) {
            return ceilings.getOrDefault(node, 0L);
        }

        void apply(int node, long proposed, long budget) {
            if (budget == Long.MAX_VALUE) {
                return; // no such budget: nothing to share
            }
            long held = of(node);
            long next = proposed <= held ? proposed : Math.max(held, Math.min(proposed, budget - (sum - held)));
            ceilings.put(node, next);
            sum = saturatedSum(sum - held, next);
        }

        void clear() {
            ceilings.clear();
            sum = 0;
        }
    }

    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
