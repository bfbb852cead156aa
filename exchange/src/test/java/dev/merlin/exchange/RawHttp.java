package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads HTTP/1.1 answers off a raw socket, for tests that need control over every byte sent. */
final class RawHttp {

    /** One answer: its status and its body as text. */
    record Answer(int status, String body, boolean isClose) {
    }

    private RawHttp() {
    }

    /** Reads one answer framed by its {@code Content-Length}. */
    static Answer readAnswer(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        int length = -1;
        boolean isClose = false;
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(value);
            } else if (name.equalsIgnoreCase("connection")) {
                isClose = value.equalsIgnoreCase("close");
            }
        }
        assertTrue(length >= 0, "no Content-Length after " + statusLine);
        byte[] body = in.readNBytes(length);
        assertEquals(length, body.length, "the connection ended inside an answer");
        return new Answer(status, new String(body, StandardCharsets.UTF_8), isClose);
    }

    /** Reads an interim (1xx) answer, which has headers and no body, and returns its status. */
    static int readInterim(InputStream in) throws IOException {
        int status = Integer.parseInt(readLine(in).substring(9, 12));
        while (!readLine(in).isEmpty()) {
            // skip its headers
        }
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the connection closed after " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
