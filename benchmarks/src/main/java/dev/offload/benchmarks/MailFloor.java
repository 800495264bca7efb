package dev.offload.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Date;
import java.util.Properties;
import java.util.UUID;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Figure 2's email floor: the least CPU mailing one report's outcome takes on this
 * machine, with the same Jakarta Mail implementation (Angus Mail) and the same SMTP sink
 * the worker mails in figure 2. One thread sends copies of an email the worker sent (its
 * outbox row: sender, recipient, subject and body) over one open connection, one after
 * the other, with nothing else around them: no outbox, no transaction, no event. What the
 * client thread spent is the least a sender pays per email; what the sink's process spent
 * meanwhile is what the SMTP server on this machine pays.
 */
final class MailFloor {

	private MailFloor() {
	}

	/**
	 * What one email cost.
	 *
	 * @param clientMillis the sending thread's CPU per email, in milliseconds
	 * @param sinkMillis the SMTP sink's CPU per email, in milliseconds
	 * @param perSecond emails sent per second
	 * @param emails emails measured
	 * @param bodyLength the email's body, in characters
	 */
	record Result(double clientMillis, double sinkMillis, double perSecond, int emails, int bodyLength) {

	}

	/**
	 * An email the worker sent, as its outbox holds it.
	 *
	 * @param from the worker's sender address
	 * @param to the recipient
	 * @param subject the subject
	 * @param body the plain text body
	 */
	record Sample(String from, String to, String subject, String body) {

	}

	/**
	 * Sends copies of an email the worker sent, first to warm up, then measured.
	 * @param sink the SMTP sink
	 * @param sample an email the worker sent to it
	 * @param warmup emails sent before the measured ones
	 * @param emails emails measured
	 * @return what one email cost
	 */
	static Result measure(SmtpSink sink, Sample sample, int warmup, int emails) {
		try {
			String subject = sample.subject();
			String body = sample.body();
			InternetAddress from = new InternetAddress(sample.from());
			InternetAddress to = new InternetAddress(sample.to());
			Properties properties = new Properties();
			properties.put("mail.smtp.host", "127.0.0.1");
			properties.put("mail.smtp.port", Integer.toString(sink.port()));
			Session session = Session.getInstance(properties);
			ThreadMXBean threads = ManagementFactory.getThreadMXBean();
			try (Transport transport = session.getTransport("smtp")) {
				transport.connect();
				send(session, transport, from, to, subject, body, warmup);
				long clientBefore = threads.getCurrentThreadCpuTime();
				double sinkBefore = sink.cpuSeconds();
				long start = System.nanoTime();
				send(session, transport, from, to, subject, body, emails);
				long elapsed = System.nanoTime() - start;
				double client = (threads.getCurrentThreadCpuTime() - clientBefore) / 1e6;
				double sinkUsed = (sink.cpuSeconds() - sinkBefore) * 1000;
				return new Result(client / emails, sinkUsed / emails, emails / (elapsed / 1e9), emails, body.length());
			}
		}
		catch (MessagingException ex) {
			throw new IllegalStateException("Could not measure the email floor: " + ex.getMessage(), ex);
		}
	}

	private static void send(Session session, Transport transport, InternetAddress from, InternetAddress to,
			String subject, String body, int count) throws MessagingException {
		for (int i = 0; i < count; i++) {
			MimeMessage message = new MimeMessage(session);
			message.setFrom(from);
			message.setRecipient(Message.RecipientType.TO, to);
			message.setSubject(subject, "UTF-8");
			message.setText(body, "UTF-8");
			message.setSentDate(new Date());
			message.saveChanges();
			message.setHeader("Message-ID", "<" + UUID.randomUUID() + ".succeeded@offload>");
			transport.sendMessage(message, message.getAllRecipients());
		}
	}

}
