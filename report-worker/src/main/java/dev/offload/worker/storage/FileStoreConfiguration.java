package dev.offload.worker.storage;

import javax.sql.DataSource;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.FileStoreProperties;
import dev.offload.model.files.FileStores;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The file store the worker writes finished reports into ({@code offload.files.store}):
 * PostgreSQL large objects in the report database (the embedded default, which needs
 * nothing beside PostgreSQL), or S3-compatible object storage.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(FileStoreProperties.class)
class FileStoreConfiguration {

	@Bean(destroyMethod = "close")
	FileStores fileStores(FileStoreProperties properties, DataSource dataSource) {
		return FileStores.of(properties, dataSource);
	}

	@Bean
	FileStore fileStore(FileStores stores) {
		return stores.current();
	}

}
