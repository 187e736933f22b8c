package io.ttes.operator.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment a container starts with, assembled as the container runtime and the kubelet do:
 * the image's Env (with the runtime's default PATH when the image has none, and HOSTNAME = pod
 * name), then the service links (the API server's {@code kubernetes} Service always; every Service
 * of the pod's namespace unless {@code enableServiceLinks: false}), then the container's env in
 * order, {@code $(VAR)} expanded and {@code fieldRef} resolved, overriding what came before.
 */
final class PodEnvironment {
  /** containerd's and Docker's default PATH for images that set none. */
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** Where a Service of the chart pretends to live; nothing connects to it. */
  static final String SERVICE_IP = "10.96.0.12";

  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

  /** What the pod is, as the API server knows it once scheduled. */
  record PodIdentity(String name, String namespace, String uid, String podIp) {}

  private PodEnvironment() {}

  static Map<String, String> of(
      PodImage image,
      PodSpec pod,
      Container container,
      PodIdentity identity,
      List<Service> services,
      String apiHost,
      int apiPort) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : image.env()) {
      int eq = kv.indexOf('=');
      env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    env.putIfAbsent("PATH", DEFAULT_PATH);
    env.put("HOSTNAME", identity.name());
    // containerd sets HOME from the image's /etc/passwd, and to / when the user has no entry.
    env.putIfAbsent("HOME", "/");
    Map<String, String> serviceEnv = new LinkedHashMap<>();
    serviceEnv.putAll(
        ServiceLinks.of(
            "kubernetes",
            apiHost,
            List.of(
                new ServicePortBuilder()
                    .withName("https")
                    .withPort(apiPort)
                    .withProtocol("TCP")
                    .build())));
    if (!Boolean.FALSE.equals(pod.getEnableServiceLinks())) {
      for (Service s : services) {
        if (identity.namespace().equals(s.getMetadata().getNamespace())) {
          serviceEnv.putAll(
              ServiceLinks.of(s.getMetadata().getName(), SERVICE_IP, s.getSpec().getPorts()));
        }
      }
    }
    env.putAll(serviceEnv);
    Map<String, String> defined = new LinkedHashMap<>(serviceEnv);
    for (EnvVar e : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
      String value = value(e, identity, defined);
      defined.put(e.getName(), value);
      env.put(e.getName(), value);
    }
    return env;
  }

  private static String value(EnvVar e, PodIdentity identity, Map<String, String> defined) {
    if (e.getValueFrom() == null) {
      return expand(e.getValue() == null ? "" : e.getValue(), defined);
    }
    if (e.getValueFrom().getFieldRef() == null) {
      throw new IllegalStateException(
          "env " + e.getName() + ": the harness resolves only fieldRef, got " + e.getValueFrom());
    }
    String path = e.getValueFrom().getFieldRef().getFieldPath();
    return switch (path) {
      case "metadata.name" -> identity.name();
      case "metadata.namespace" -> identity.namespace();
      case "metadata.uid" -> identity.uid();
      case "status.podIP", "status.hostIP" -> identity.podIp();
      default -> throw new IllegalStateException("env " + e.getName() + ": fieldRef " + path);
    };
  }

  /**
   * $(VAR) becomes the value of a variable defined before (container env or service links), $$(VAR)
   * the literal $(VAR), and an unknown reference stays as written, as the kubelet does.
   */
  static String expand(String value, Map<String, String> defined) {
    StringBuilder out = new StringBuilder();
    Matcher m = REFERENCE.matcher(value);
    int last = 0;
    while (m.find()) {
      boolean escaped = m.start() > 0 && value.charAt(m.start() - 1) == '$';
      out.append(value, last, escaped ? m.start() - 1 : m.start());
      String name = m.group(1);
      out.append(!escaped && defined.containsKey(name) ? defined.get(name) : m.group());
      last = m.end();
    }
    return out.append(value.substring(last)).toString();
  }
}
