package io.dynconf.examples.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: fails on
 * anything a Prometheus server would refuse or that the format forbids: a malformed line, name,
 * label or value, a bad escape, a duplicate label, a {@code # TYPE} after its samples or twice, a
 * family whose samples are not together, a duplicate series, a histogram without {@code le} on
 * its buckets, with buckets not cumulative, or with {@code +Inf} unequal to {@code _count}.
 */
final class PrometheusText {
  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  record Sample(String name, Map<String, String> labels, double value) {
    String label(String name) {
      return labels.get(name);
    }
  }

  final List<Sample> samples = new ArrayList<>();
  final Map<String, String> types = new HashMap<>();

  private PrometheusText() {}

  static PrometheusText parse(String text) {
    PrometheusText p = new PrometheusText();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("the text must end with a line feed");
    }
    Set<String> seenFamilies = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      try {
        if (line.startsWith("#")) {
          String[] parts = line.split(" ", 4);
          if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
            String name = parts[2];
            if (!METRIC.matcher(name).matches()) {
              throw new IllegalArgumentException("bad metric name " + name);
            }
            if (parts[1].equals("TYPE")) {
              if (parts.length != 4 || !TYPES.contains(parts[3])) {
                throw new IllegalArgumentException("bad type");
              }
              if (p.types.put(name, parts[3]) != null) {
                throw new IllegalArgumentException("second TYPE for " + name);
              }
              if (seenFamilies.contains(name)) {
                throw new IllegalArgumentException("TYPE of " + name + " after its samples");
              }
            }
          }
          continue;
        }
        Sample s = sample(line);
        String family = p.family(s.name());
        if (!family.equals(current)) {
          if (!seenFamilies.add(family)) {
            throw new IllegalArgumentException("samples of " + family + " are not together");
          }
          current = family;
        }
        if (!series.add(s.name() + new TreeMap<>(s.labels()))) {
          throw new IllegalArgumentException("duplicate series");
        }
        p.samples.add(s);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("line " + n + " \"" + line + "\": " + e.getMessage(), e);
      }
    }
    p.checkHistograms();
    return p;
  }

  /** The family a sample belongs to: a histogram's {@code _bucket}, {@code _sum}, {@code _count} belong to it. */
  private String family(String name) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if ("histogram".equals(types.get(base))) {
          return base;
        }
      }
    }
    return name;
  }

  private static Sample sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    if (!METRIC.matcher(name).matches()) {
      throw new IllegalArgumentException("bad metric name \"" + name + "\"");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String label = line.substring(i, eq);
        if (!LABEL.matcher(label).matches() || label.startsWith("__")) {
          throw new IllegalArgumentException("bad label name \"" + label + "\"");
        }
        if (line.charAt(eq + 1) != '"') {
          throw new IllegalArgumentException("label value not quoted");
        }
        StringBuilder v = new StringBuilder();
        int j = eq + 2;
        for (;; j++) {
          char c = line.charAt(j);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char e = line.charAt(++j);
            switch (e) {
              case '\\' -> v.append('\\');
              case '"' -> v.append('"');
              case 'n' -> v.append('\n');
              default -> throw new IllegalArgumentException("bad escape \\" + e);
            }
          } else {
            v.append(c);
          }
        }
        if (labels.put(label, v.toString()) != null) {
          throw new IllegalArgumentException("duplicate label " + label);
        }
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        } else if (line.charAt(i) != '}') {
          throw new IllegalArgumentException("expected , or } at " + i);
        }
      }
      i++;
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException("no value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length > 2) {
      throw new IllegalArgumentException("trailing text");
    }
    if (rest.length == 2) {
      Long.parseLong(rest[1]); // a timestamp
    }
    return new Sample(name, labels, value(rest[0]));
  }

  private static double value(String v) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        if (!v.matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?")) {
          throw new IllegalArgumentException("bad value " + v);
        }
        yield Double.parseDouble(v);
      }
    };
  }

  private void checkHistograms() {
    types.forEach((name, type) -> {
      if (!type.equals("histogram")) {
        return;
      }
      Map<Map<String, String>, List<Sample>> buckets = new HashMap<>();
      Map<Map<String, String>, Double> counts = new HashMap<>();
      for (Sample s : samples) {
        if (s.name().equals(name + "_bucket")) {
          Map<String, String> rest = new TreeMap<>(s.labels());
          if (rest.remove("le") == null) {
            throw new IllegalArgumentException(name + "_bucket without le");
          }
          buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
        } else if (s.name().equals(name + "_count")) {
          counts.put(new TreeMap<>(s.labels()), s.value());
        } else if (s.name().equals(name)) {
          throw new IllegalArgumentException("histogram " + name + " has a plain sample");
        }
      }
      buckets.forEach((labels, list) -> {
        double previousLe = Double.NEGATIVE_INFINITY;
        double previous = 0;
        for (Sample b : list) {
          double le = value(b.label("le"));
          if (le <= previousLe || b.value() < previous) {
            throw new IllegalArgumentException(name + labels + ": buckets not ascending and cumulative");
          }
          previousLe = le;
          previous = b.value();
        }
        if (previousLe != Double.POSITIVE_INFINITY) {
          throw new IllegalArgumentException(name + labels + ": no +Inf bucket");
        }
        if (!Double.valueOf(previous).equals(counts.get(labels))) {
          throw new IllegalArgumentException(name + labels + ": +Inf bucket " + previous + " but _count " + counts.get(labels));
        }
      });
    });
  }

  /** The samples named {@code name} whose labels include {@code labels} (name, value, name, value...). */
  List<Sample> find(String name, String... labels) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i < labels.length; i += 2) {
        all &= labels[i + 1].equals(s.labels().get(labels[i]));
      }
      if (all) {
        out.add(s);
      }
    }
    return out;
  }

  /** The sum of the samples {@link #find} finds (0 when none). */
  double sum(String name, String... labels) {
    return find(name, labels).stream().mapToDouble(Sample::value).sum();
  }
}
