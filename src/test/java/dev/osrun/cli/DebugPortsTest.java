package dev.osrun.cli;

import dev.osrun.testing.RequiresTinyGuest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The seed's debugging ports through the real CLI: closed unless asked for; with {@code --debug-ports} the QEMU
 * monitor, the guest agent and VNC answer; with {@code --vnc} noVNC shows the guest's screen in headless Chromium.
 */
@RequiresTinyGuest
class DebugPortsTest {

    private static final List<Integer> PORTS = List.of(DebugPorts.NOVNC, DebugPorts.VNC, DebugPorts.MONITOR, DebugPorts.AGENT);

    private Process osrun;
    private final List<String> stdout = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        if (osrun != null) {
            osrun.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            osrun.destroyForcibly();
            osrun.waitFor(30, TimeUnit.SECONDS);
            // the ports are free again once QEMU and the agent relay are gone
            await("osrun's ports to close").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> PORTS.stream().allMatch(port -> {
                        try {
                            return ListeningSockets.addresses(port).isEmpty();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }));
            osrun = null;
        }
    }

    @Test
    void noPortIsOpenUnlessAskedFor() throws Exception {
        start("echo ready; sleep 600");

        for (int port : PORTS) {
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                    .as("port %d", port).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void debugPortsServeTheMonitorTheAgentAndVnc() throws Exception {
        start("echo ready; sleep 600", "--debug-ports");

        assertThat(talk(DebugPorts.MONITOR, "info status\n", "VM status: running")).contains("VM status: running");
        assertThat(talk(DebugPorts.AGENT, "{\"execute\":\"guest-info\"}\n", "\n")).startsWith("{\"return\":{\"version\":");
        assertThat(talk(DebugPorts.AGENT, "\u00ff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":7}}\n", "\n"))
                .isEqualTo("\u00ff{\"return\":7}\n");
        assertThat(talk(DebugPorts.AGENT, "{\"execute\":\"guest-no-such-command\"}\n", "\n")).contains("\"error\"");
        assertThat(talk(DebugPorts.VNC, "", "\n")).startsWith("RFB 003.");
    }

    @Test
    void osrunDebugPortsSetAsDocumentedOpensThePorts() throws Exception {
        for (String yes : List.of("1", "yes")) {
            start(Map.of("OSRUN_DEBUG_PORTS", yes), "echo ready; sleep 600");

            assertThat(talk(DebugPorts.MONITOR, "info status\n", "VM status: running")).as("OSRUN_DEBUG_PORTS=%s", yes)
                    .contains("VM status: running");
            stop();
        }
    }

    @Test
    void theDebuggingPortsAndForwardsListenOnLoopbackOnlyUnlessAskedOtherwise() throws Exception {
        int forward = freePort();
        start("echo ready; sleep 600", "--debug-ports", "-f", Integer.toString(forward));

        for (int port : debuggingPortsAnd(forward)) {
            assertThat(ListeningSockets.addresses(port)).as("where port %d listens", port).containsOnly("127.0.0.1");
        }
        stop();

        int everywhere = freePort();
        start("echo ready; sleep 600", "--debug-ports", "--bind-address", "0.0.0.0", "-f", Integer.toString(forward),
                "-f", "0.0.0.0:" + everywhere);

        for (int port : debuggingPortsAnd(forward, everywhere)) {
            assertThat(ListeningSockets.addresses(port)).as("where port %d listens", port)
                    .isNotEmpty().allMatch(address -> address.equals("0.0.0.0") || address.equals("0:0:0:0:0:0:0:0"));
        }
    }

    /** The debugging ports (noVNC where it is installed) and these. */
    private static List<Integer> debuggingPortsAnd(Integer... more) {
        List<Integer> ports = new ArrayList<>(List.of(DebugPorts.MONITOR, DebugPorts.AGENT, DebugPorts.VNC));
        if (Files.isRegularFile(DebugPorts.NOVNC_WEB.resolve("vnc.html"))) {
            ports.add(DebugPorts.NOVNC);
        }
        ports.addAll(List.of(more));
        return ports;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void noVncShowsTheGuestsScreenInChromium() throws Exception {
        requireTool(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromedriver"), DebugPorts.NOVNC_WEB.resolve("vnc.html"));
        // The top half of the guest's text screen full of light blocks, the bottom half black.
        start("printf '\\033[2J\\033[H' > /dev/tty0; "
                + "for i in $(seq 1 12); do printf '%080d' 0 | sed 's/0/\u2588/g' | tr -d '\\n' > /dev/tty0; done; "
                + "echo ready; sleep 600", "--vnc");

        BufferedImage screen = screenshotThroughNoVnc();

        assertThat(screen.getWidth()).as("VGA text mode width").isEqualTo(720);
        assertThat(lightShare(screen, 0, 180)).as("share of light pixels, top").isGreaterThan(0.9);
        assertThat(lightShare(screen, 220, 400)).as("share of light pixels, bottom").isLessThan(0.05);
    }

    private BufferedImage screenshotThroughNoVnc() throws IOException {
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, "/usr/bin/chromedriver");
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1000,700", "--user-data-dir=" + Files.createTempDirectory("osrun-chromium"));
        ChromeDriver browser = new ChromeDriver(options);
        try {
            browser.get("http://127.0.0.1:" + DebugPorts.NOVNC + "/vnc.html?autoconnect=true&resize=off");
            WebElement canvas = await("noVNC to draw the guest's screen").atMost(Duration.ofSeconds(60))
                    .ignoreExceptions().until(() -> browser.findElement(By.cssSelector("#noVNC_container canvas")),
                            element -> "720".equals(element.getDomProperty("width")));
            // The first frame may still be arriving: wait until two screenshots agree.
            byte[][] last = {canvas.getScreenshotAs(OutputType.BYTES)};
            await("the screen to settle").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                byte[] now = canvas.getScreenshotAs(OutputType.BYTES);
                boolean same = java.util.Arrays.equals(now, last[0]);
                last[0] = now;
                return same;
            });
            Files.write(Path.of("target", "novnc-screenshot.png"), last[0]); // kept for a look after the run
            return ImageIO.read(new ByteArrayInputStream(last[0]));
        } finally {
            browser.quit();
        }
    }

    private static double lightShare(BufferedImage image, int fromY, int toY) {
        long light = 0;
        long all = 0;
        for (int y = fromY; y < toY; y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int sum = ((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff);
                light += sum > 3 * 128 ? 1 : 0;
                all++;
            }
        }
        return (double) light / all;
    }

    /** Starts osrun with the tiny guest and waits until the command prints {@code ready}. */
    private void start(String command, String... flags) throws IOException {
        start(Map.of(), command, flags);
    }

    /** Starts osrun with these environment variables added. */
    private void start(Map<String, String> environment, String command, String... flags) throws IOException {
        stdout.clear();
        List<String> argv = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OsrunCommand.class.getName(), "--guest", "tiny"));
        argv.addAll(List.of(flags));
        argv.add(command);
        ProcessBuilder builder = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        osrun = builder.start();
        osrun.getOutputStream().close();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(osrun.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(stdout::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                // the process went away
            }
        });
        reader.setDaemon(true);
        reader.start();
        await("the guest command to start").atMost(Duration.ofMinutes(3))
                .failFast("osrun exited", () -> !osrun.isAlive())
                .until(() -> stdout.contains("ready"));
    }

    /** Sends {@code request} to a local port and returns what comes back, up to and including {@code until}. */
    private static String talk(int port, String request, String until) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (!received.toString(StandardCharsets.ISO_8859_1).contains(until)) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                received.write(b);
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static void requireTool(Path... paths) {
        for (Path path : paths) {
            if (Files.exists(path)) {
                continue;
            }
            String missing = path + " is missing (Debian: apt-get install chromium chromium-driver novnc python3-websockify)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and a prerequisite is missing: " + missing);
            }
            Assumptions.abort(missing);
        }
    }
}
