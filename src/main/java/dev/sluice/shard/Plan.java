package dev.sluice.shard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code OUT/_plan.json}: what a run set out to do, fixed by the first run of an output and checked by every
 * rerun and shard task. {@code job}, {@code parameters} and {@code inputs} are its identity (a rerun that differs
 * in any is refused with the difference); {@code units} is the number of work units, or -1 while a job that learns
 * it at the input's end does not know it yet; {@code inputTotals} are facts of the whole input that the manifest
 * reports besides the sums over units.
 *
 * <p>{@code parameters}, {@code inputs} and {@code inputTotals} hold the JSON values the job recorded (options,
 * input fingerprints, counts): they are compared and reported as they are, never read back field by field by
 * other code than the job that wrote them.
 */
public record Plan(String job, Map<String, Object> parameters, Object inputs, int units,
                   Map<String, Object> inputTotals) {
    public static final int UNKNOWN_UNITS = -1;

    public Plan {
        // Not Map.copyOf: an option left unset is recorded as null.
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        inputTotals = inputTotals == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(inputTotals));
    }

    /** A plan whose identity is known before its units are. */
    public static Plan of(String job, Map<String, Object> parameters, Object inputs) {
        return new Plan(job, parameters, inputs, UNKNOWN_UNITS, Map.of());
    }

    public Plan withUnits(int units) {
        return new Plan(job, parameters, inputs, units, inputTotals);
    }

    public Plan withInputTotals(Map<String, Object> totals) {
        return new Plan(job, parameters, inputs, units, totals);
    }

    /** The parts a rerun must match, by name, in the order they are compared. */
    Map<String, Object> identity() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job);
        m.put("parameters", parameters);
        m.put("inputs", inputs);
        return m;
    }

    /** The JSON form (the one place it is mapped). */
    Map<String, Object> toJson() {
        Map<String, Object> m = identity();
        if (units != UNKNOWN_UNITS) {
            m.put("units", units);
        }
        if (!inputTotals.isEmpty()) {
            m.put("input_totals", inputTotals);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    static Plan fromJson(Map<String, Object> m) {
        Object units = m.get("units");
        Object totals = m.get("input_totals");
        return new Plan((String) m.get("job"), (Map<String, Object>) m.getOrDefault("parameters", Map.of()),
                m.get("inputs"), units instanceof Number n ? n.intValue() : UNKNOWN_UNITS,
                totals instanceof Map<?, ?> t ? (Map<String, Object>) t : Map.of());
    }
}
