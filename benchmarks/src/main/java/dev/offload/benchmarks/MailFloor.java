package dev.offload.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Date;
import java.util.Properties;
import java.util.UUID;

import com.icegreen.greenmail.store.FolderException;
import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Figure 2's email floor: the least CPU mailing one report's outcome takes on this
 * machine, with the same Jakarta Mail implementation (Angus Mail) and the same SMTP sink
 * the worker mails in figure 2. One thread sends copies of an email the worker sent over
 * one open connection, one after the other, with nothing else around them: no outbox, no
 * transaction, no event. What the client thread spent is the least a sender pays per
 * email; what the rest of this JVM spent meanwhile (the sink's threads) is what the SMTP
 * server on this machine pays.
 */
final class MailFloor {

	private MailFloor() {
	}

	/**
	 * What one email cost.
	 *
	 * @param clientMillis the sending thread's CPU per email, in milliseconds
	 * @param sinkMillis the rest of this JVM's CPU per email (the SMTP sink), in
	 * milliseconds
	 * @param perSecond emails sent per second
	 * @param emails emails measured
	 * @param bodyLength the email's body, in characters
	 */
	record Result(double clientMillis, double sinkMillis, double perSecond, int emails, int bodyLength) {

	}

	/**
	 * Sends copies of the last email the sink received, first to warm up, then measured.
	 * @param mail the sink, holding at least one email the worker sent
	 * @param warmup emails sent before the measured ones
	 * @param emails emails measured
	 * @return what one email cost
	 */
	static Result measure(GreenMail mail, int warmup, int emails) {
		MimeMessage[] received = mail.getReceivedMessages();
		if (received.length == 0) {
			throw new IllegalStateException("The SMTP sink holds no email of the worker's to copy");
		}
		try {
			MimeMessage sample = received[received.length - 1];
			String subject = sample.getSubject();
			String body = String.valueOf(sample.getContent()).strip();
			InternetAddress from = (InternetAddress) sample.getFrom()[0];
			InternetAddress to = (InternetAddress) sample.getRecipients(Message.RecipientType.TO)[0];
			mail.purgeEmailFromAllMailboxes();
			Properties properties = new Properties();
			properties.put("mail.smtp.host", "127.0.0.1");
			properties.put("mail.smtp.port", Integer.toString(mail.getSmtp().getPort()));
			Session session = Session.getInstance(properties);
			ThreadMXBean threads = ManagementFactory.getThreadMXBean();
			try (Transport transport = session.getTransport("smtp")) {
				transport.connect();
				send(session, transport, from, to, subject, body, warmup);
				long clientBefore = threads.getCurrentThreadCpuTime();
				long processBefore = Tools.processCpuNanos();
				long start = System.nanoTime();
				send(session, transport, from, to, subject, body, emails);
				long elapsed = System.nanoTime() - start;
				double client = (threads.getCurrentThreadCpuTime() - clientBefore) / 1e6;
				double process = (Tools.processCpuNanos() - processBefore) / 1e6;
				mail.purgeEmailFromAllMailboxes();
				return new Result(client / emails, Math.max(0, process - client) / emails, emails / (elapsed / 1e9),
						emails, body.length());
			}
		}
		catch (MessagingException | IOException | FolderException ex) {
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
