package dev.offload.system.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.offload.api.ApiSettingsCheck;
import dev.offload.model.Topology;
import dev.offload.model.config.RequiredSetting;
import dev.offload.model.config.RequiredSettingsCheck;
import dev.offload.worker.WorkerSettingsCheck;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertyResolver;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders every kustomize overlay with {@code kubectl kustomize} and checks what a
 * cluster would get: probes, requests and limits and a non-root user on every container,
 * a worker grace period that covers its shutdown wait, a KEDA trigger on the queue
 * shared-model names, and images that the Dockerfiles build.
 */
class DeploymentManifestsTests {

	private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

	private static final Pattern IMAGE_TAG = Pattern.compile("docker build -f (\\S+)/Dockerfile -t (\\S+) \\.");

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void everyContainerHasProbesResourcesAndRunsAsNonRoot(String overlay) throws Exception {
		for (Map<String, Object> workload : workloads(render(overlay))) {
			Map<String, Object> pod = map(map(map(workload, "spec"), "template"), "spec");
			Map<String, Object> podSecurity = map(pod, "securityContext");
			for (Map<String, Object> container : list(pod, "containers")) {
				String name = overlay + "/" + map(workload, "metadata").get("name") + "/" + container.get("name");
				assertThat(container).as(name).containsKeys("readinessProbe", "livenessProbe");
				Map<String, Object> resources = map(container, "resources");
				assertThat(map(resources, "requests")).as(name + " requests").containsKeys("cpu", "memory");
				assertThat(map(resources, "limits")).as(name + " limits").containsKeys("cpu", "memory");
				Map<String, Object> security = map(container, "securityContext");
				boolean nonRoot = Boolean.TRUE
					.equals(security.getOrDefault("runAsNonRoot", podSecurity.get("runAsNonRoot")));
				Object user = security.getOrDefault("runAsUser", podSecurity.get("runAsUser"));
				assertThat(nonRoot).as(name + " runAsNonRoot").isTrue();
				assertThat(user).as(name + " runAsUser").isInstanceOf(Integer.class).isNotEqualTo(0);
				assertThat(security.get("allowPrivilegeEscalation")).as(name + " allowPrivilegeEscalation")
					.isEqualTo(false);
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void workerGracePeriodCoversItsShutdownWait(String overlay) throws Exception {
		Map<String, Object> worker = named(workloads(render(overlay)), "report-worker");
		Map<String, Object> pod = map(map(map(worker, "spec"), "template"), "spec");
		Duration grace = Duration.ofSeconds(((Number) pod.get("terminationGracePeriodSeconds")).longValue());
		Map<String, Object> container = list(pod, "containers").get(0);
		Duration shutdownWait = Duration.ZERO;
		for (Map<String, Object> env : list(container, "env")) {
			String name = (String) env.get("name");
			if (name.equals("OFFLOAD_WORKER_SHUTDOWN_GRACE_PERIOD")
					|| name.equals("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE")) {
				Duration value = seconds((String) env.get("value"));
				shutdownWait = (value.compareTo(shutdownWait) > 0) ? value : shutdownWait;
			}
		}
		assertThat(shutdownWait).as("the worker's configured shutdown wait").isPositive();
		assertThat(grace).as("terminationGracePeriodSeconds").isGreaterThanOrEqualTo(shutdownWait);
		assertThat(named(objects(render(overlay), "PodDisruptionBudget"), "report-worker")).isNotNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "prod" })
	void kedaScalesTheWorkerOnTheQueueSharedModelNamesOverHttp(String overlay) throws Exception {
		Map<String, Object> scaledObject = named(objects(render(overlay), "ScaledObject"), "report-worker");
		Map<String, Object> spec = map(scaledObject, "spec");
		assertThat(map(spec, "scaleTargetRef").get("name")).isEqualTo("report-worker");
		// One trigger per lane: KEDA scales on whichever queue needs more workers.
		List<Map<String, Object>> triggers = list(spec, "triggers");
		assertThat(triggers).hasSize(2).allSatisfy((trigger) -> {
			assertThat(trigger.get("type")).isEqualTo("rabbitmq");
			assertThat(map(trigger, "metadata")).containsEntry("protocol", "http");
		});
		assertThat(triggers).extracting((trigger) -> map(trigger, "metadata").get("queueName"))
			.containsExactlyInAnyOrder(Topology.DEFAULT.generateQueue(), Topology.DEFAULT.bulkQueue());
	}

	/**
	 * At the most replicas the overlay lets each service scale to (the HPA and KEDA
	 * maximums in prod), every connection pool fits in PostgreSQL's max_connections with
	 * room to spare, and a worker's pools hold what its concurrent reports need.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void connectionPoolsAtTheMostReplicasFitInPostgres(String overlay) throws Exception {
		String yaml = render(overlay);
		Map<String, Object> postgres = list(
				map(map(map(named(objects(yaml, "StatefulSet"), "postgres"), "spec"), "template"), "spec"),
				"containers")
			.get(0);
		List<?> args = (List<?>) postgres.get("args");
		int maxConnections = Integer
			.parseInt(String.valueOf(args.get(args.indexOf("-c") + 1)).replace("max_connections=", ""));
		int apiReplicas = mostReplicas(yaml, "api-service");
		int workerReplicas = mostReplicas(yaml, "report-worker");
		int apiPool = env(yaml, "api-service", "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE");
		int workerPool = env(yaml, "report-worker", "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE");
		int dataPool = env(yaml, "report-worker", "OFFLOAD_REPORT_DATA_HIKARI_MAXIMUM_POOL_SIZE");
		Map<String, Object> config = objects(yaml, "ConfigMap").stream()
			.filter((map) -> String.valueOf(map(map, "metadata").get("name")).startsWith("offload-config"))
			.findFirst()
			.orElseThrow();
		// Reports a worker builds at once: its interactive and its bulk consumers.
		int concurrency = Integer.parseInt(String.valueOf(map(config, "data").get("OFFLOAD_WORKER_CONCURRENCY")))
				+ Integer.parseInt(String.valueOf(map(config, "data").get("OFFLOAD_WORKER_BULK_CONCURRENCY")));
		// Each SMTP connection holds a connection of the worker's main pool while it
		// sends.
		int emailConnections = Integer
			.parseInt(String.valueOf(map(config, "data").get("OFFLOAD_WORKER_EMAIL_CONNECTIONS")));
		int needed = apiReplicas * apiPool + workerReplicas * (workerPool + dataPool);
		assertThat(needed)
			.as("%s: %d api × %d + %d workers × (%d + %d) connections, with 20 spare, in max_connections %d", overlay,
					apiReplicas, apiPool, workerReplicas, workerPool, dataPool, maxConnections)
			.isLessThanOrEqualTo(maxConnections - 20);
		// And one each for the email listener and the health check.
		assertThat(workerPool)
			.as("worker pool for %d concurrent reports and %d SMTP connections", concurrency, emailConnections)
			.isGreaterThanOrEqualTo(concurrency + emailConnections + 2);
		// One more for the health check.
		assertThat(dataPool).as("report data pool for %d concurrent reports", concurrency)
			.isGreaterThanOrEqualTo(concurrency + 1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void everyDeploymentSetsEachSettingItsServiceRequires(String overlay) throws Exception {
		String yaml = render(overlay);
		Map<String, RequiredSettingsCheck> checks = Map.of("api-service", new ApiSettingsCheck(), "report-worker",
				new WorkerSettingsCheck());
		checks.forEach((deployment, check) -> {
			Map<String, Object> environment = containerEnvironment(yaml, deployment);
			assertThat(check.missingFrom(relaxed(environment))).as(overlay + "/" + deployment + " leaves out")
				.extracting(RequiredSetting::describe)
				.isEmpty();
		});
		// The client address comes from X-Forwarded-For only when the ingress controller
		// sent it.
		assertThat(containerEnvironment(yaml, "api-service")).containsEntry("SERVER_FORWARD_HEADERS_STRATEGY", "native")
			.containsKey("SERVER_TOMCAT_REMOTEIP_INTERNAL_PROXIES");
		if (overlay.equals("prod")) {
			// Production signs callers in with JWTs of one issuer, for this API only.
			Map<String, Object> api = containerEnvironment(yaml, "api-service");
			assertThat(api).containsEntry("OFFLOAD_API_SECURITY_MODE", "jwt")
				.containsKeys("SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI",
						"SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_AUDIENCES");
		}
	}

	@org.junit.jupiter.api.Test
	@SuppressWarnings("unchecked")
	void dockerComposeSetsEachSettingItsServicesRequireWithoutTheLocalProfile() throws Exception {
		Map<String, Object> compose = new Yaml()
			.load(Files.readString(ROOT.resolve("docker-compose.yml"), StandardCharsets.UTF_8));
		Map<String, RequiredSettingsCheck> checks = Map.of("api-service", new ApiSettingsCheck(), "report-worker",
				new WorkerSettingsCheck());
		checks.forEach((service, check) -> {
			Map<String, Object> definition = map(map(compose, "services"), service);
			Map<String, Object> environment = (Map<String, Object>) definition.get("environment");
			assertThat(environment).as(service).doesNotContainKey("SPRING_PROFILES_ACTIVE");
			assertThat(String.valueOf(definition.get("command"))).as(service).doesNotContain("local");
			Map<String, Object> substituted = new java.util.HashMap<>();
			environment.forEach((name, value) -> substituted.put(name,
					String.valueOf(value).replaceAll("\\$\\{[^}]+}", "(from .env)")));
			assertThat(check.missingFrom(relaxed(substituted))).as("compose " + service + " leaves out")
				.extracting(RequiredSetting::describe)
				.isEmpty();
			// Secrets come from .env, with no committed fallback: ${NAME:?message}.
			environment.forEach((name, value) -> {
				if (name.endsWith("PASSWORD") || name.endsWith("SECRET") || name.endsWith("SECRET_KEY")) {
					assertThat(String.valueOf(value)).as(service + " " + name).matches("\\$\\{[A-Z_]+:\\?[^}]+}");
				}
			});
		});
	}

	/**
	 * What a container's process sees as its environment: its own variables and those of
	 * the ConfigMaps and Secrets it takes whole ({@code envFrom}) where the overlay
	 * renders them. A variable from a Secret the overlay does not render (created by the
	 * operator) counts only if named one by one.
	 */
	private static Map<String, Object> containerEnvironment(String yaml, String deployment) {
		Map<String, Object> container = list(
				map(map(map(named(objects(yaml, "Deployment"), deployment), "spec"), "template"), "spec"), "containers")
			.get(0);
		Map<String, Object> environment = new java.util.HashMap<>();
		for (Map<String, Object> source : list(container, "envFrom")) {
			Map<String, Object> configMap = map(source, "configMapRef");
			Map<String, Object> secret = map(source, "secretRef");
			if (!configMap.isEmpty()) {
				environment.putAll(map(named(objects(yaml, "ConfigMap"), (String) configMap.get("name")), "data"));
			}
			objects(yaml, "Secret").stream()
				.filter((object) -> !secret.isEmpty() && secret.get("name").equals(map(object, "metadata").get("name")))
				.forEach((object) -> environment.putAll(map(object, "data")));
		}
		for (Map<String, Object> variable : list(container, "env")) {
			environment.put((String) variable.get("name"),
					variable.containsKey("value") ? variable.get("value") : "(from " + variable.get("valueFrom") + ")");
		}
		return environment;
	}

	/**
	 * Environment variables resolved the way Spring Boot resolves them (relaxed names).
	 */
	private static PropertyResolver relaxed(Map<String, Object> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		MutablePropertySources sources = environment.getPropertySources();
		sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		Map<String, Object> values = new java.util.HashMap<>();
		variables.forEach((name, value) -> values.put(name, String.valueOf(value)));
		sources.addFirst(new SystemEnvironmentPropertySource(
				"manifest-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, values));
		ConfigurationPropertySources.attach(environment);
		return environment;
	}

	private static int mostReplicas(String yaml, String deployment) {
		for (Map<String, Object> hpa : objects(yaml, "HorizontalPodAutoscaler")) {
			if (deployment.equals(map(map(hpa, "spec"), "scaleTargetRef").get("name"))) {
				return (Integer) map(hpa, "spec").get("maxReplicas");
			}
		}
		for (Map<String, Object> scaled : objects(yaml, "ScaledObject")) {
			if (deployment.equals(map(map(scaled, "spec"), "scaleTargetRef").get("name"))) {
				return (Integer) map(scaled, "spec").get("maxReplicaCount");
			}
		}
		return (Integer) map(named(objects(yaml, "Deployment"), deployment), "spec").get("replicas");
	}

	private static int env(String yaml, String deployment, String variable) {
		Map<String, Object> container = list(
				map(map(map(named(objects(yaml, "Deployment"), deployment), "spec"), "template"), "spec"), "containers")
			.get(0);
		return list(container, "env").stream()
			.filter((env) -> variable.equals(env.get("name")))
			.map((env) -> Integer.parseInt(String.valueOf(env.get("value"))))
			.findFirst()
			.orElseThrow(() -> new AssertionError(deployment + " sets no " + variable));
	}

	@org.junit.jupiter.api.Test
	void prodRunsRabbitMqAsAThreeNodeClusterWithItsDefinitionsAndADisruptionBudget() throws Exception {
		String prod = render("prod");
		Map<String, Object> cluster = named(objects(prod, "RabbitmqCluster"), "rabbitmq");
		Map<String, Object> spec = map(cluster, "spec");
		assertThat(spec.get("replicas")).isEqualTo(3);
		assertThat((String) map(spec, "rabbitmq").get("additionalConfig")).contains("consumer_timeout = 1800000")
			.contains("definitions.local.path = /etc/rabbitmq/offload/definitions.json");
		Map<String, Object> pod = map(map(map(map(map(spec, "override"), "statefulSet"), "spec"), "template"), "spec");
		assertThat(list(pod, "volumes"))
			.anySatisfy((volume) -> assertThat(map(volume, "configMap").get("name")).isEqualTo("rabbitmq-config"));
		Map<String, Object> container = list(pod, "containers").get(0);
		assertThat(list(container, "env")).extracting((env) -> env.get("name"))
			.contains("OFFLOAD_API_RABBITMQ_PASSWORD", "OFFLOAD_WORKER_RABBITMQ_PASSWORD");
		assertThat(map(named(objects(prod, "PodDisruptionBudget"), "rabbitmq"), "spec")).containsEntry("maxUnavailable",
				1);
		// The single node of the base is gone in prod, and stays in dev.
		assertThat(objects(prod, "StatefulSet"))
			.noneMatch((set) -> "rabbitmq".equals(map(set, "metadata").get("name")));
		assertThat(objects(prod, "ConfigMap"))
			.anySatisfy((config) -> assertThat(map(config, "metadata").get("name")).isEqualTo("rabbitmq-config"));
		String dev = render("dev");
		assertThat(objects(dev, "RabbitmqCluster")).isEmpty();
		assertThat(map(named(objects(dev, "StatefulSet"), "rabbitmq"), "spec")).containsEntry("replicas", 1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void imagesAreTheOnesTheDockerfilesBuild(String overlay) throws Exception {
		Map<String, String> built = new java.util.HashMap<>();
		for (String service : List.of("api-service", "report-worker")) {
			String dockerfile = Files.readString(ROOT.resolve(service).resolve("Dockerfile"));
			Matcher matcher = IMAGE_TAG.matcher(dockerfile);
			assertThat(matcher.find()).as(service + "/Dockerfile names its image").isTrue();
			assertThat(matcher.group(1)).isEqualTo(service);
			built.put(service, matcher.group(2));
		}
		for (Map<String, Object> workload : workloads(render(overlay))) {
			String name = (String) map(workload, "metadata").get("name");
			if (built.containsKey(name)) {
				Map<String, Object> pod = map(map(map(workload, "spec"), "template"), "spec");
				assertThat(list(pod, "containers").get(0).get("image")).as(name).isEqualTo(built.get(name));
			}
		}
	}

	static String render(String overlay) throws IOException, InterruptedException {
		Assumptions.assumeTrue(onPath("kubectl"),
				"kubectl is not installed: the overlays are not rendered (bash .ci/run installs it where it can)");
		Process process = new ProcessBuilder("kubectl", "kustomize",
				ROOT.resolve("k8s/overlays").resolve(overlay).toString())
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as("kubectl kustomize %s:%n%s", overlay, output).isZero();
		return output;
	}

	private static boolean onPath(String command) {
		return Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
			.anyMatch((directory) -> Files.isExecutable(Path.of(directory, command)));
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> objects(String yaml, String kind) {
		List<Map<String, Object>> objects = new ArrayList<>();
		for (Object document : new Yaml().loadAll(yaml)) {
			if (document instanceof Map<?, ?> object && kind.equals(object.get("kind"))) {
				objects.add((Map<String, Object>) object);
			}
		}
		return objects;
	}

	private static List<Map<String, Object>> workloads(String yaml) {
		List<Map<String, Object>> workloads = new ArrayList<>(objects(yaml, "Deployment"));
		workloads.addAll(objects(yaml, "StatefulSet"));
		assertThat(workloads).isNotEmpty();
		return workloads;
	}

	private static Map<String, Object> named(List<Map<String, Object>> objects, String name) {
		return objects.stream()
			.filter((object) -> name.equals(map(object, "metadata").get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no object named " + name));
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> map(Map<String, Object> parent, String key) {
		Object value = parent.get(key);
		return (value instanceof Map) ? (Map<String, Object>) value : Map.of();
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
		Object value = parent.get(key);
		return (value instanceof List) ? (List<Map<String, Object>>) value : List.of();
	}

	private static Duration seconds(String value) {
		assertThat(value).matches("\\d+s");
		return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
	}

}
