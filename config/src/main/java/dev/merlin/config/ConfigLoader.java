package dev.merlin.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the YAML configuration (a file or the embedded default), binds and validates it. */
public final class ConfigLoader {

    /** Classpath location of the embedded default configuration. */
    public static final String DEFAULT_RESOURCE = "/merlin-default.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);

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
        MerlinConfig config;
        try {
            config = YAML.readValue(yaml, MerlinConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(keyPath(e), "unknown key \"" + e.getPropertyName() + "\" in " + source
                    + "; allowed here: " + e.getKnownPropertyIds());
        } catch (InvalidFormatException e) {
            throw new ConfigException(keyPath(e), "value " + e.getValue() + " is not allowed; expected "
                    + describe(e.getTargetType()) + " (" + source + ")");
        } catch (MismatchedInputException e) {
            throw new ConfigException(keyPath(e), "wrong type; expected " + describe(e.getTargetType())
                    + " (" + source + ")");
        } catch (JsonProcessingException e) {
            throw new ConfigException("", "cannot parse " + source + ": " + e.getOriginalMessage());
        }
        if (config == null) {
            config = new MerlinConfig(null, null, null);
        }
        return config.validate();
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
