package dev.offload.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class TcpProxyTests {

	@Test
	void proxyCarriesBytesAndRefusesConnectionsWhileCut() throws Exception {
		try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread server = new Thread(() -> echoOnce(echo));
			server.setDaemon(true);
			server.start();
			try (TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.getLocalPort())) {
				assertThat(roundTrip(proxy.port(), "ping")).isEqualTo("ping");

				proxy.cut();
				assertThatExceptionOfType(ConnectException.class)
					.isThrownBy(() -> new Socket("127.0.0.1", proxy.port()).close());
				assertThat(Infrastructure.answers("127.0.0.1", proxy.port())).isFalse();

				proxy.restore();
				assertThat(Infrastructure.answers("127.0.0.1", proxy.port())).isTrue();
			}
		}
	}

	private static String roundTrip(int port, String text) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			OutputStream out = socket.getOutputStream();
			out.write(text.getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readNBytes(text.length()), StandardCharsets.UTF_8);
		}
	}

	private static void echoOnce(ServerSocket server) {
		try (Socket socket = server.accept()) {
			byte[] buffer = new byte[4];
			int read = socket.getInputStream().readNBytes(buffer, 0, 4);
			socket.getOutputStream().write(buffer, 0, read);
		}
		catch (IOException ex) {
			// The test fails on the client side if this happens.
		}
	}

}
