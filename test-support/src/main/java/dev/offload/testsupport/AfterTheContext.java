package dev.offload.testsupport;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * Closes a test class's broker topology, database and other resources once everything the
 * class started has stopped, its Spring application context included.
 * <p>
 * An {@code @AfterAll} method runs before the {@code SpringExtension} closes a
 * {@code @DirtiesContext} context, so it would delete queues under running listener
 * containers: they declare the queues again (and a cached context keeps them until the
 * JVM ends), and drop a database under a live connection pool. Registered as a static
 * field,
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);
 * </pre>
 *
 * the resources go into the class's extension store, which JUnit closes after every
 * {@code afterAll} callback has run. They are closed in the order given; a failure does
 * not keep the others open.
 */
public final class AfterTheContext implements BeforeAllCallback {

	private static final Namespace NAMESPACE = Namespace.create(AfterTheContext.class);

	private final List<AutoCloseable> resources;

	private AfterTheContext(List<AutoCloseable> resources) {
		this.resources = resources;
	}

	/**
	 * An extension that closes the given resources, in this order, after the test class.
	 * @param resources what to close; a lambda for an action such as removing a bucket
	 * @return the extension, to register as a static field
	 */
	public static AfterTheContext close(AutoCloseable... resources) {
		return new AfterTheContext(List.of(resources));
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		// A store sees its parents' values: a nested class finds its outer class's entry
		// and leaves the resources open for the rest of the outer class.
		ExtensionContext.Store store = context.getStore(NAMESPACE);
		if (store.get(this) == null) {
			store.put(this, (AutoCloseable) this::closeAll);
		}
	}

	private void closeAll() throws Exception {
		List<Exception> failures = new ArrayList<>();
		for (AutoCloseable resource : this.resources) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				failures.add(ex);
			}
		}
		if (!failures.isEmpty()) {
			Exception first = failures.get(0);
			failures.subList(1, failures.size()).forEach(first::addSuppressed);
			throw first;
		}
	}

}
