package io.ttes.operator.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The JSON log lines of a pod (the chart's default logFormat), parsed; other lines skipped. */
final class PodLogs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodLogs() {}

  static List<JsonNode> lines(Pod pod) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : pod.logs().split("\n")) {
      if (line.startsWith("{")) {
        try {
          out.add(JSON.readTree(line));
        } catch (IOException e) {
          // a line cut by SIGKILL
        }
      }
    }
    return out;
  }

  static List<JsonNode> atLevel(Pod pod, String level) {
    return lines(pod).stream().filter(l -> level.equals(l.path("level").asText())).toList();
  }
}
