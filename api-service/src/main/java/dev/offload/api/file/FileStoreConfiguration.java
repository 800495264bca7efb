package dev.offload.api.file;

import javax.sql.DataSource;

import dev.offload.model.files.FileStoreProperties;
import dev.offload.model.files.FileStores;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The file stores the API serves report files from and retention deletes them from: the
 * ones the workers write to ({@code offload.files.*}, the same settings as the workers'),
 * each file read from the store recorded with it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(FileStoreProperties.class)
class FileStoreConfiguration {

	@Bean(destroyMethod = "close")
	FileStores fileStores(FileStoreProperties properties, DataSource dataSource) {
		return FileStores.of(properties, dataSource);
	}

}
