package dev.offload.system.deployment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static dev.offload.system.deployment.DeploymentManifestsTests.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads docker-compose.yml as docker compose would (no Docker engine runs here to start
 * it) and checks the services, ports and health checks, and that every environment
 * variable it gives api-service and report-worker is a property they read.
 */
class ComposeFileTests {

	private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

	private final Map<String, Object> services = map(compose(), "services");

	@Test
	void composeRunsTheWholeSystemWithHealthChecks() {
		assertThat(this.services).containsKeys("rabbitmq", "postgres", "minio", "mailpit", "api-service",
				"report-worker");
		for (String name : List.of("rabbitmq", "postgres", "minio", "mailpit", "api-service", "report-worker")) {
			assertThat(map(map(this.services, name), "healthcheck")).as(name + " healthcheck").containsKey("test");
		}
		assertThat(ports("rabbitmq")).contains("5672:5672", "15672:15672");
		assertThat(ports("api-service")).contains("8080:8080");
		assertThat(ports("mailpit")).contains("8025:8025");
		// The S3 API and the MinIO console.
		assertThat(ports("minio")).contains("9000:9000", "9001:9001");
		// A published port would stop `docker compose up --scale report-worker=N`.
		assertThat(map(this.services, "report-worker")).doesNotContainKey("ports");
		assertThat(image("rabbitmq")).startsWith("rabbitmq:4").endsWith("-management");
	}

	@Test
	void servicesStartOnlyOnceWhatTheyNeedIsHealthy() {
		assertThat(map(map(this.services, "api-service"), "depends_on")).containsKeys("rabbitmq", "postgres", "minio");
		assertThat(map(map(this.services, "report-worker"), "depends_on")).containsKeys("api-service", "mailpit");
		for (String name : List.of("api-service", "report-worker")) {
			map(map(this.services, name), "depends_on").values()
				.forEach((condition) -> assertThat(condition).as(name)
					.isEqualTo(Map.of("condition", "service_healthy")));
		}
	}

	@Test
	void everyEnvironmentVariableIsAPropertyTheServiceReads() {
		for (String service : List.of("api-service", "report-worker")) {
			ServiceProperties properties = ServiceProperties
				.of(Path.of(System.getProperty("offload." + service + ".jar")));
			assertThat(properties.size()).as(service + " configuration metadata").isGreaterThan(100);
			Map<String, Object> environment = map(map(this.services, service), "environment");
			assertThat(environment).as(service + " environment").isNotEmpty();
			for (String variable : environment.keySet()) {
				assertThat(properties.binds(variable)).as("%s reads %s", service, variable).isTrue();
			}
			assertThat(properties.binds("OFFLOAD_NO_SUCH_SETTING")).isFalse();
			// Both keep their files in the same bucket of the compose MinIO.
			assertThat(environment).containsEntry("OFFLOAD_FILES_STORE", "s3")
				.containsEntry("OFFLOAD_FILES_S3_ENDPOINT", "http://minio:9000")
				.containsEntry("OFFLOAD_FILES_S3_BUCKET", "offload-reports");
		}
	}

	@Test
	void imagesAreTheOnesTheDockerfilesBuild() throws IOException {
		for (String service : List.of("api-service", "report-worker")) {
			String dockerfile = Files.readString(ROOT.resolve(service).resolve("Dockerfile"));
			assertThat(dockerfile).contains("-t " + image(service) + " .");
			assertThat(map(map(this.services, service), "build")).containsEntry("dockerfile", service + "/Dockerfile");
		}
	}

	private List<String> ports(String service) {
		Object ports = map(this.services, service).get("ports");
		return (ports instanceof List<?> values) ? values.stream().map(String::valueOf).toList() : List.of();
	}

	private String image(String service) {
		return (String) map(this.services, service).get("image");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> compose() {
		try {
			return (Map<String, Object>) new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
