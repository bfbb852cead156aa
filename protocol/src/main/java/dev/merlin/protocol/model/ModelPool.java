package dev.merlin.protocol.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The objects and lists a decoder builds for one request (or one DSP's response), kept so that the next decode into
 * the same {@link BidRequest} (or {@link BidResponse}) takes them again instead of allocating: reset, not
 * reallocated.
 *
 * <p>{@link #reset} marks everything free; {@link Kind#take} hands out the next kept instance of a type, cleared to
 * the state of a new one ({@code clear()}: every field null), or a new instance when the request needs more than any
 * earlier one did. Lists come from {@link #list()}, cleared. So a decode into a reused root builds the same model a
 * decode into a new root would, and nothing of an earlier request survives in it.
 *
 * <p>What is kept is bounded: at most {@value #MAX_KEPT} instances of each type and lists that held at most
 * {@value #MAX_KEPT_LIST_SIZE} elements; a larger (hostile) request's surplus is dropped at the next reset.
 *
 * <p>Not thread-safe: a pool belongs to one root request, which one thread decodes into at a time.
 * {@link #ALLOCATING} keeps nothing and is shared.
 */
public final class ModelPool {

    /** Instances of one type kept for the next request. */
    public static final int MAX_KEPT = 1024;
    /** Lists longer than this are dropped, not kept (a kept list keeps its capacity). */
    public static final int MAX_KEPT_LIST_SIZE = 256;

    /** Keeps nothing: every take is a new object; safe to share between threads. */
    public static final ModelPool ALLOCATING = new ModelPool(false);

    private final boolean keeps;
    /** The kinds taken from since the last reset: only those need one (a BidResponse touches 2 of the 37). */
    private Kind<?>[] touched = new Kind<?>[8];
    private int touchedCount;
    private Object[] lists = new Object[16];
    private int listCount;
    private int listsUsed;

    public final Kind<App> apps = kind(App::new, App::clear);
    public final Kind<Audio> audios = kind(Audio::new, Audio::clear);
    public final Kind<Banner> banners = kind(Banner::new, Banner::clear);
    public final Kind<Bid> bids = kind(Bid::new, Bid::clear);
    public final Kind<BrandVersion> brandVersions = kind(BrandVersion::new, BrandVersion::clear);
    public final Kind<Channel> channels = kind(Channel::new, Channel::clear);
    public final Kind<Content> contents = kind(Content::new, Content::clear);
    public final Kind<Data> datas = kind(Data::new, Data::clear);
    public final Kind<Deal> deals = kind(Deal::new, Deal::clear);
    public final Kind<Device> devices = kind(Device::new, Device::clear);
    public final Kind<Dooh> doohs = kind(Dooh::new, Dooh::clear);
    public final Kind<DurFloors> durFloorss = kind(DurFloors::new, DurFloors::clear);
    public final Kind<Eid> eids = kind(Eid::new, Eid::clear);
    public final Kind<Format> formats = kind(Format::new, Format::clear);
    public final Kind<Geo> geos = kind(Geo::new, Geo::clear);
    public final Kind<Imp> imps = kind(Imp::new, Imp::clear);
    public final Kind<Metric> metrics = kind(Metric::new, Metric::clear);
    public final Kind<Native> natives = kind(Native::new, Native::clear);
    public final Kind<Network> networks = kind(Network::new, Network::clear);
    public final Kind<Pmp> pmps = kind(Pmp::new, Pmp::clear);
    public final Kind<Producer> producers = kind(Producer::new, Producer::clear);
    public final Kind<Publisher> publishers = kind(Publisher::new, Publisher::clear);
    public final Kind<Qty> qtys = kind(Qty::new, Qty::clear);
    public final Kind<RefSettings> refSettingss = kind(RefSettings::new, RefSettings::clear);
    public final Kind<Refresh> refreshs = kind(Refresh::new, Refresh::clear);
    public final Kind<Regs> regss = kind(Regs::new, Regs::clear);
    public final Kind<SeatBid> seatBids = kind(SeatBid::new, SeatBid::clear);
    public final Kind<Segment> segments = kind(Segment::new, Segment::clear);
    public final Kind<Site> sites = kind(Site::new, Site::clear);
    public final Kind<Source> sources = kind(Source::new, Source::clear);
    public final Kind<SupplyChain> supplyChains = kind(SupplyChain::new, SupplyChain::clear);
    public final Kind<SupplyChainNode> supplyChainNodes = kind(SupplyChainNode::new, SupplyChainNode::clear);
    public final Kind<Uid> uids = kind(Uid::new, Uid::clear);
    public final Kind<User> users = kind(User::new, User::clear);
    public final Kind<UserAgent> userAgents = kind(UserAgent::new, UserAgent::clear);
    public final Kind<Video> videos = kind(Video::new, Video::clear);

    /** A pool that keeps what it hands out until the next {@link #reset}. */
    public ModelPool() {
        this(true);
    }

    private ModelPool(boolean keeps) {
        this.keeps = keeps;
    }

    private <T> Kind<T> kind(Supplier<T> factory, Consumer<T> clear) {
        return new Kind<>(this, factory, clear);
    }

    /** Marks every kept object and list free for the next request, dropping what exceeds the bounds. */
    public void reset() {
        for (int i = 0; i < touchedCount; i++) {
            touched[i].reset();
            touched[i] = null;
        }
        touchedCount = 0;
        if (listCount > MAX_KEPT) {
            Arrays.fill(lists, MAX_KEPT, listCount, null);
            listCount = MAX_KEPT;
        }
        listsUsed = 0;
    }

    /** An empty list: a kept one, cleared, or a new one. */
    @SuppressWarnings("unchecked")
    public <T> List<T> list() {
        if (!keeps) {
            return new ArrayList<>();
        }
        if (listsUsed < listCount) {
            ArrayList<T> list = (ArrayList<T>) lists[listsUsed];
            if (list.size() <= MAX_KEPT_LIST_SIZE) {
                list.clear();
                listsUsed++;
                return list;
            }
            ArrayList<T> fresh = new ArrayList<>();
            lists[listsUsed++] = fresh;
            return fresh;
        }
        ArrayList<T> list = new ArrayList<>();
        if (listCount == lists.length) {
            lists = Arrays.copyOf(lists, listCount * 2);
        }
        lists[listCount++] = list;
        listsUsed = listCount;
        return list;
    }

    /** {@code kind} handed out its first instance since the last reset. */
    private void touch(Kind<?> kind) {
        if (touchedCount == touched.length) {
            touched = Arrays.copyOf(touched, touchedCount * 2);
        }
        touched[touchedCount++] = kind;
    }

    /** The kept instances of one model type. */
    public static final class Kind<T> {
        private final ModelPool pool;
        private final Supplier<T> factory;
        private final Consumer<T> clear;
        private Object[] items = new Object[4];
        private int count;
        private int used;

        Kind(ModelPool pool, Supplier<T> factory, Consumer<T> clear) {
            this.pool = pool;
            this.factory = factory;
            this.clear = clear;
        }

        /** An instance with every field null: a kept one, cleared, or a new one. */
        @SuppressWarnings("unchecked")
        public T take() {
            if (!pool.keeps) {
                return factory.get();
            }
            if (used == 0) {
                pool.touch(this);
            }
            if (used < count) {
                T item = (T) items[used++];
                clear.accept(item);
                return item;
            }
            T item = factory.get();
            if (count == items.length) {
                items = Arrays.copyOf(items, count * 2);
            }
            items[count++] = item;
            used = count;
            return item;
        }

        void reset() {
            if (count > MAX_KEPT) {
                Arrays.fill(items, MAX_KEPT, count, null);
                count = MAX_KEPT;
            }
            used = 0;
        }
    }
}
