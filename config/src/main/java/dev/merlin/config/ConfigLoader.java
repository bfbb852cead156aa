package dev.merlin.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the YAML configuration (a file or the embedded default), binds and validates it. */
public final class ConfigLoader {

    /** Classpath location of the embedded default configuration. */
    public static final String DEFAULT_RESOURCE = "/merlin-default.yaml";

    // STRICT_DUPLICATE_DETECTION backs up checkShape: the binder never merges a repeated key either
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // w: 300.5 is refused, not truncated to 300
            // an empty map value or list item ({EUR: }, [JPN, ~]) is an error with its path, not a null inside
            .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
            .build();

    /** Writes records as their components (fields), not their derived accessors; nulls left out. */
    private static final ObjectMapper COMPONENTS = JsonMapper.builder()
            .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    /** The campaign keys {@link #patchCampaign} changes. */
    private static final Set<String> PATCHABLE = Set.of("bid", "dailyBudget", "totalBudget", "status");

    /** Reads tokens for {@link #checkShape}, which finds repeated keys itself to name their whole path. */
    private static final YAMLFactory SHAPE = new YAMLFactory();

    private static final Pattern NUMBER_IN_MESSAGE = Pattern.compile(
            "value \\((-?[0-9][0-9_.eE+-]*)\\) out of range");

    private ConfigLoader() {
    }

    /** The embedded default: what {@code make run} starts with. */
    public static MerlinConfig loadDefault() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new ConfigException("", "embedded default " + DEFAULT_RESOURCE + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "embedded default");
        } catch (IOException e) {
            throw new ConfigException("", "cannot read the embedded default: " + e.getMessage());
        }
    }

    /** Loads a YAML file. */
    public static MerlinConfig load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
        }
    }

    /** Parses YAML text; {@code source} names it in errors. */
    public static MerlinConfig parse(String yaml, String source) {
        if (yaml.isBlank()) {
            return new MerlinConfig(null, null, null).validate();
        }
        MerlinConfig config = bind(yaml, source, MerlinConfig.class);
        if (config == null) {
            config = new MerlinConfig(null, null, null);
        }
        return config.validate();
    }

    /** Binds YAML (or JSON, which is YAML) text to {@code type}, a binding error named by its key path. */
    private static <T> T bind(String yaml, String source, Class<T> type) {
        checkShape(yaml, source);
        try {
            return YAML.readValue(yaml, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(keyPath(e), "unknown key \"" + e.getPropertyName() + "\" in " + source
                    + "; allowed here: " + e.getKnownPropertyIds());
        } catch (InvalidFormatException e) {
            throw new ConfigException(keyPath(e), "value " + e.getValue() + " is not allowed; expected "
                    + describe(e.getTargetType()) + " (" + source + ")");
        } catch (InvalidNullException e) {
            throw new ConfigException(keyPath(e), "value is empty; expected " + describe(e.getTargetType())
                    + " (" + source + ")");
        } catch (MismatchedInputException e) {
            throw new ConfigException(keyPath(e), "wrong type; expected " + describe(e.getTargetType())
                    + " (" + source + ")");
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof InputCoercionException tooLarge) {
                throw new ConfigException(keyPath(e), "value " + numberText(tooLarge) + " is not allowed; expected "
                        + describe(tooLarge.getTargetType()) + " from " + smallest(tooLarge.getTargetType()) + " to "
                        + largest(tooLarge.getTargetType()) + " (" + source + ")");
            }
            throw new ConfigException(keyPath(e), "cannot read " + source + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException("", "cannot parse " + source + ": " + e.getOriginalMessage());
        }
    }

    /**
     * The advertisers of a catalogue document ({@code {"advertisers": [...]}}, JSON or YAML), bound as the config
     * file's {@code advertisers} key is; validate them with {@link MerlinConfig#withAdvertisers} and
     * {@link MerlinConfig#validate}.
     */
    public static List<AdvertiserConfig> parseAdvertisers(String text, String source) {
        Catalogue catalogue = bind(text, source, Catalogue.class);
        return catalogue == null ? List.of() : catalogue.advertisers();
    }

    /** One advertiser (JSON or YAML), bound as an item of the config file's {@code advertisers}. */
    public static AdvertiserConfig parseAdvertiser(String text, String source) {
        AdvertiserConfig advertiser = bind(text, source, AdvertiserConfig.class);
        if (advertiser == null) {
            throw new ConfigException("", "value is empty; expected an advertiser (" + source + ")");
        }
        return advertiser;
    }

    /** One campaign (JSON or YAML), bound as an item of an advertiser's {@code campaigns}. */
    public static CampaignConfig parseCampaign(String text, String source) {
        CampaignConfig campaign = bind(text, source, CampaignConfig.class);
        if (campaign == null) {
            throw new ConfigException("", "value is empty; expected a campaign (" + source + ")");
        }
        return campaign;
    }

    /** One creative (JSON or YAML), bound as an item of a campaign's {@code creatives}. */
    public static CreativeConfig parseCreative(String text, String source) {
        CreativeConfig creative = bind(text, source, CreativeConfig.class);
        if (creative == null) {
            throw new ConfigException("", "value is empty; expected a creative (" + source + ")");
        }
        return creative;
    }

    /**
     * {@code base} with the keys of the JSON object {@code patch} replaced (a null value unsets the key): only
     * {@code bid}, {@code dailyBudget}, {@code totalBudget} and {@code status}; bound as {@link #parseCampaign} does
     * (validate the result with the config).
     */
    public static CampaignConfig patchCampaign(CampaignConfig base, String patch, String source) {
        checkShape(patch, source);
        JsonNode changes;
        try {
            changes = YAML.readTree(patch);
        } catch (JsonProcessingException e) {
            throw new ConfigException("", "cannot parse " + source + ": " + e.getOriginalMessage());
        }
        if (changes == null || !changes.isObject()) {
            throw new ConfigException("", "wrong type; expected an object of bid, dailyBudget, totalBudget, status ("
                    + source + ")");
        }
        ObjectNode merged = COMPONENTS.valueToTree(base);
        for (Iterator<Map.Entry<String, JsonNode>> it = changes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> change = it.next();
            if (!PATCHABLE.contains(change.getKey())) {
                throw new ConfigException(change.getKey(), "cannot be changed in place; allowed here: "
                        + PATCHABLE + " (PUT the whole campaign to change the rest)");
            }
            if (change.getValue().isNull()) {
                merged.remove(change.getKey());
            } else {
                merged.set(change.getKey(), change.getValue());
            }
        }
        try {
            return bind(COMPONENTS.writeValueAsString(merged), source, CampaignConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write campaign: " + e.getOriginalMessage(), e);
        }
    }

    /** Advertisers as a catalogue document that {@link #parseAdvertisers} reads back: their components alone. */
    public static String writeAdvertisers(List<AdvertiserConfig> advertisers) {
        try {
            return COMPONENTS.writeValueAsString(new Catalogue(advertisers));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write advertisers: " + e.getOriginalMessage(), e);
        }
    }

    /** Any config value as JSON of its record components: for logs and the admin API. */
    public static String toJson(Object value) {
        try {
            return COMPONENTS.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write config value: " + e.getOriginalMessage(), e);
        }
    }

    /** The catalogue document: the advertisers alone. */
    record Catalogue(List<AdvertiserConfig> advertisers) {
    }

    /**
     * Refuses what the binder would silently get wrong, before binding: a repeated key (the last one would win), an
     * alias (it would become its anchor's name: {@code *m} reads as "m"; refusing also rules out alias bombs) and a
     * second document (it would be ignored).
     */
    private static void checkShape(String yaml, String source) {
        try (YAMLParser p = (YAMLParser) SHAPE.createParser(yaml)) {
            Deque<Set<String>> keysPerSection = new ArrayDeque<>();
            int depth = 0;
            int documents = 0;
            for (JsonToken token = p.nextToken(); token != null; token = p.nextToken()) {
                if (depth == 0 && ++documents > 1) {
                    throw new ConfigException("", "a second YAML document starts at " + where(p, source)
                            + "; a configuration is one document: remove the --- and what follows, or merge it into"
                            + " the first");
                }
                if (p.isCurrentAlias()) {
                    throw new ConfigException(keyPath(p.getParsingContext()), "alias *" + p.getText() + " at "
                            + where(p, source) + " is not allowed; anchors (&) and aliases (*) are not supported,"
                            + " write the value out in full");
                }
                switch (token) {
                    case START_OBJECT -> {
                        keysPerSection.push(new HashSet<>());
                        depth++;
                    }
                    case START_ARRAY -> depth++;
                    case END_OBJECT -> {
                        keysPerSection.pop();
                        depth--;
                    }
                    case END_ARRAY -> depth--;
                    case FIELD_NAME -> {
                        if (!keysPerSection.peek().add(p.currentName())) {
                            throw new ConfigException(keyPath(p.getParsingContext()), "key " + p.currentName()
                                    + " appears again at " + where(p, source) + "; a key may appear once in its"
                                    + " section (merge the two)");
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (JsonProcessingException e) {
            JsonStreamContext at = e.getProcessor() instanceof JsonParser p ? p.getParsingContext() : null;
            String line = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException(keyPath(at), "cannot parse " + source + line + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + source + ": " + e.getMessage());
        }
    }

    private static String where(JsonParser p, String source) {
        return "line " + p.currentTokenLocation().getLineNr() + " of " + source;
    }

    /** The dotted key path of a parser position, e.g. {@code advertisers[0].campaigns[1].id}. */
    private static String keyPath(JsonStreamContext context) {
        Deque<JsonStreamContext> outerFirst = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            outerFirst.push(c);
        }
        StringBuilder sb = new StringBuilder();
        for (JsonStreamContext c : outerFirst) {
            if (c.inArray()) {
                sb.append('[').append(c.getCurrentIndex()).append(']');
            } else if (c.getCurrentName() != null) {
                sb.append(sb.length() > 0 ? "." : "").append(c.getCurrentName());
            }
        }
        return sb.toString();
    }

    private static String keyPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** The number Jackson found too large: its message is the only place that still holds it. */
    private static String numberText(InputCoercionException e) {
        Matcher m = NUMBER_IN_MESSAGE.matcher(e.getOriginalMessage());
        return m.find() ? m.group(1) : "(too large)";
    }

    private static String smallest(Class<?> type) {
        return type == Integer.class || type == int.class ? String.valueOf(Integer.MIN_VALUE)
                : String.valueOf(Long.MIN_VALUE);
    }

    private static String largest(Class<?> type) {
        return type == Integer.class || type == int.class ? String.valueOf(Integer.MAX_VALUE)
                : String.valueOf(Long.MAX_VALUE);
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "a " + type.getSimpleName() + " section";
    }
}
