package io.ttes.operator.pod;

import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment variables the kubelet puts into a container for a Service, in the Docker-links
 * style: {@code <NAME>_SERVICE_HOST}, {@code <NAME>_SERVICE_PORT}, {@code
 * <NAME>_SERVICE_PORT_<PORTNAME>}, {@code <NAME>_PORT}, and per port {@code
 * <NAME>_PORT_<port>_<PROTO>} with {@code _PROTO}, {@code _PORT} and {@code _ADDR}. The name is the
 * Service name upper-cased with '-' as '_'. See
 * https://kubernetes.io/docs/concepts/services-networking/service/#environment-variables (and
 * pkg/kubelet/envvars/envvars.go, which this follows).
 */
final class ServiceLinks {
  private ServiceLinks() {}

  static Map<String, String> of(String serviceName, String host, List<ServicePort> ports) {
    Map<String, String> env = new LinkedHashMap<>();
    if (ports.isEmpty()) {
      return env;
    }
    String name = envName(serviceName);
    ServicePort first = ports.get(0);
    env.put(name + "_SERVICE_HOST", host);
    env.put(name + "_SERVICE_PORT", String.valueOf(first.getPort()));
    for (ServicePort p : ports) {
      if (p.getName() != null && !p.getName().isEmpty()) {
        env.put(name + "_SERVICE_PORT_" + envName(p.getName()), String.valueOf(p.getPort()));
      }
    }
    env.put(name + "_PORT", url(first, host));
    for (ServicePort p : ports) {
      String protocol = protocol(p);
      String prefix = name + "_PORT_" + p.getPort() + "_" + protocol.toUpperCase(Locale.ROOT);
      env.put(prefix, url(p, host));
      env.put(prefix + "_PROTO", protocol);
      env.put(prefix + "_PORT", String.valueOf(p.getPort()));
      env.put(prefix + "_ADDR", host);
    }
    return env;
  }

  private static String url(ServicePort p, String host) {
    return protocol(p) + "://" + host + ":" + p.getPort();
  }

  private static String protocol(ServicePort p) {
    return p.getProtocol() == null ? "tcp" : p.getProtocol().toLowerCase(Locale.ROOT);
  }

  private static String envName(String name) {
    return name.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
