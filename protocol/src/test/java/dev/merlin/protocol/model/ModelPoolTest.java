package dev.merlin.protocol.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pool behind reused decodes: every model type of a request and of a response is pooled, and clearing one leaves
 * no field set.
 */
class ModelPoolTest {

    /**
     * Every model class reachable from {@link BidRequest}'s and {@link BidResponse}'s fields, by reflection, so a new
     * one is not missed.
     */
    private static Set<Class<?>> modelClasses() {
        Set<Class<?>> found = new LinkedHashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(BidRequest.class);
        todo.add(BidResponse.class);
        while (!todo.isEmpty()) {
            Class<?> type = todo.poll();
            if (!found.add(type)) {
                continue;
            }
            for (Field field : publicFields(type)) {
                Class<?> child = modelType(field.getGenericType());
                if (child != null) {
                    todo.add(child);
                }
            }
        }
        return found;
    }

    private static Class<?> modelType(Type type) {
        if (type instanceof ParameterizedType) {
            type = ((ParameterizedType) type).getActualTypeArguments()[0];
        }
        if (type instanceof Class<?> && ((Class<?>) type).getPackage() == BidRequest.class.getPackage()
                && type != RawJson.class) {
            return (Class<?>) type;
        }
        return null;
    }

    private static List<Field> publicFields(Class<?> type) {
        List<Field> fields = new ArrayList<>();
        for (Field field : type.getDeclaredFields()) {
            if (Modifier.isPublic(field.getModifiers()) && !Modifier.isStatic(field.getModifiers())) {
                fields.add(field);
            }
        }
        return fields;
    }

    @Test
    void everyModelTypeIsPooled() throws Exception {
        Set<Class<?>> pooled = new LinkedHashSet<>();
        ModelPool pool = new ModelPool();
        for (Field field : ModelPool.class.getFields()) {
            if (field.getType() == ModelPool.Kind.class) {
                Object taken = ((ModelPool.Kind<?>) field.get(pool)).take();
                assertEquals(((ParameterizedType) field.getGenericType()).getActualTypeArguments()[0],
                        taken.getClass(), field.getName());
                pooled.add(taken.getClass());
            }
        }
        Set<Class<?>> needed = modelClasses();
        needed.remove(BidRequest.class); // the roots are the caller's
        needed.remove(BidResponse.class);
        assertEquals(needed, pooled);
    }

    @Test
    void clearLeavesEveryFieldNull() throws Exception {
        for (Class<?> type : modelClasses()) {
            Object value = type.getDeclaredConstructor().newInstance();
            List<Field> fields = publicFields(type);
            for (Field field : fields) {
                field.set(value, sample(field.getType()));
            }
            type.getMethod("clear").invoke(value);
            for (Field field : fields) {
                assertNull(field.get(value), type.getSimpleName() + "." + field.getName());
            }
            assertEquals(type.getDeclaredConstructor().newInstance(), value, type.getSimpleName());
        }
    }

    private static Object sample(Class<?> type) throws Exception {
        if (type == String.class) {
            return "x";
        }
        if (type == Integer.class) {
            return 7;
        }
        if (type == Double.class) {
            return 0.5;
        }
        if (type == List.class) {
            return new ArrayList<>(List.of("x"));
        }
        if (type == RawJson.class) {
            return RawJson.of("{}");
        }
        return type.getDeclaredConstructor().newInstance();
    }

    @Test
    void takeAfterResetReturnsTheSameInstanceCleared() {
        ModelPool pool = new ModelPool();
        Imp first = pool.imps.take();
        first.id = "a";
        Imp second = pool.imps.take();
        assertNotSame(first, second);
        List<String> list = pool.list();
        list.add("x");
        pool.reset();
        Imp again = pool.imps.take();
        assertSame(first, again);
        assertNull(again.id);
        List<String> listAgain = pool.list();
        assertSame(list, listAgain);
        assertTrue(listAgain.isEmpty());
    }

    /** A reset rewinds only the kinds taken from since the last one: a kind skipped for a round still comes back. */
    @Test
    void everyKindTakenFromIsRewoundEvenAfterARoundWithoutIt() throws Exception {
        ModelPool pool = new ModelPool();
        Imp imp = pool.imps.take();
        Bid bid = pool.bids.take();
        pool.reset();
        assertSame(bid, pool.bids.take());
        pool.reset();
        pool.reset();
        assertSame(imp, pool.imps.take());
        assertSame(bid, pool.bids.take());
        // every kind in one round: more than the pool first makes room for
        pool.reset();
        List<Object> first = takeOneOfEach(pool);
        pool.reset();
        List<Object> again = takeOneOfEach(pool);
        assertEquals(first.size(), again.size());
        for (int i = 0; i < first.size(); i++) {
            assertSame(first.get(i), again.get(i), "kind " + i);
        }
    }

    private static List<Object> takeOneOfEach(ModelPool pool) throws Exception {
        List<Object> taken = new ArrayList<>();
        for (Field field : ModelPool.class.getFields()) {
            if (field.getType() == ModelPool.Kind.class) {
                taken.add(((ModelPool.Kind<?>) field.get(pool)).take());
            }
        }
        return taken;
    }

    @Test
    void whatIsKeptIsBounded() {
        ModelPool pool = new ModelPool();
        List<Uid> many = new ArrayList<>();
        for (int i = 0; i < ModelPool.MAX_KEPT + 10; i++) {
            many.add(pool.uids.take());
        }
        List<String> big = pool.list();
        for (int i = 0; i <= ModelPool.MAX_KEPT_LIST_SIZE; i++) {
            big.add("x");
        }
        pool.reset();
        for (int i = 0; i < ModelPool.MAX_KEPT; i++) {
            assertSame(many.get(i), pool.uids.take());
        }
        assertNotSame(many.get(ModelPool.MAX_KEPT), pool.uids.take());
        assertNotSame(big, pool.list());
    }

    @Test
    void theAllocatingPoolKeepsNothing() {
        Imp first = ModelPool.ALLOCATING.imps.take();
        ModelPool.ALLOCATING.reset();
        assertNotSame(first, ModelPool.ALLOCATING.imps.take());
        assertNotSame(ModelPool.ALLOCATING.list(), ModelPool.ALLOCATING.list());
    }
}
