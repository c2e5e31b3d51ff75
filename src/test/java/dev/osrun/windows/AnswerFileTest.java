package dev.osrun.windows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code win11-init/autounattend.xml} parses (JDK parser, namespace-aware) and has the structure Windows Setup reads:
 * the {@code unattend} root in Setup's namespace, known passes, components carrying the five attributes Setup
 * matches on, ordered command lists without gaps, Setup's length limits, the settings osrun relies on, and script
 * names that exist beside it.
 */
class AnswerFileTest {

    static final String UNATTEND = "urn:schemas-microsoft-com:unattend";
    static final String WCM = "http://schemas.microsoft.com/WMIConfig/2002/State";
    private static final Path INIT = Path.of("win11-init").toAbsolutePath();
    private static final Set<String> PASSES = Set.of("windowsPE", "offlineServicing", "generalize", "specialize",
            "auditSystem", "auditUser", "oobeSystem");
    private static Document answer;

    @BeforeAll
    static void parse() throws ParserConfigurationException, IOException, SAXException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        answer = factory.newDocumentBuilder().parse(INIT.resolve("autounattend.xml").toFile());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element e && e.getLocalName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    /** Every element below {@code root} named {@code name} ("*": every element), in any namespace. */
    private static List<Element> all(Element root, String name) {
        List<Element> found = new ArrayList<>();
        var nodes = root.getElementsByTagNameNS("*", name);
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    private static Element pass(String name) {
        return children(answer.getDocumentElement(), "settings").stream()
                .filter(settings -> settings.getAttribute("pass").equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no <settings pass=\"" + name + "\">"));
    }

    private static Element component(String pass, String name) {
        return children(pass(pass), "component").stream()
                .filter(component -> component.getAttribute("name").equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no component " + name + " in pass " + pass));
    }

    private static String text(Element parent, String path) {
        Element current = parent;
        for (String step : path.split("/")) {
            List<Element> next = children(current, step);
            assertThat(next).as("<%s> under <%s>", step, current.getLocalName()).hasSize(1);
            current = next.get(0);
        }
        return current.getTextContent().trim();
    }

    @Test
    void theFileHasNoByteOrderMarkBecause24H2SetupRejectsOne() throws IOException {
        byte[] bytes = Files.readAllBytes(INIT.resolve("autounattend.xml"));
        assertThat(new String(bytes, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("<?xml");
    }

    @Test
    void theRootIsUnattendInSetupsNamespace() {
        Element root = answer.getDocumentElement();
        assertThat(root.getLocalName()).isEqualTo("unattend");
        assertThat(root.getNamespaceURI()).isEqualTo(UNATTEND);
        assertThat(root.lookupNamespaceURI("wcm")).isEqualTo(WCM);
    }

    @Test
    void passesAreKnownUniqueAndTheOnesOsrunUses() {
        List<String> passes = children(answer.getDocumentElement(), "settings").stream()
                .map(settings -> settings.getAttribute("pass")).toList();
        assertThat(passes).containsExactly("windowsPE", "specialize", "oobeSystem");
        assertThat(PASSES).containsAll(passes);
    }

    @Test
    void everyComponentCarriesTheAttributesSetupMatchesOn() {
        for (Element settings : children(answer.getDocumentElement(), "settings")) {
            Set<String> names = new HashSet<>();
            for (Element component : children(settings, "component")) {
                String name = component.getAttribute("name");
                assertThat(name).as("component name in %s", settings.getAttribute("pass")).startsWith("Microsoft-Windows-");
                assertThat(names.add(name)).as("%s appears once in %s", name, settings.getAttribute("pass")).isTrue();
                assertThat(component.getNamespaceURI()).isEqualTo(UNATTEND);
                assertThat(component.getAttribute("processorArchitecture")).as(name).isEqualTo("amd64");
                assertThat(component.getAttribute("publicKeyToken")).as(name).isEqualTo("31bf3856ad364e35");
                assertThat(component.getAttribute("language")).as(name).isEqualTo("neutral");
                assertThat(component.getAttribute("versionScope")).as(name).isEqualTo("nonSxS");
            }
        }
        for (Element element : all(answer.getDocumentElement(), "*")) {
            assertThat(element.getNamespaceURI()).as("namespace of <%s>", element.getLocalName()).isEqualTo(UNATTEND);
            if (element.hasAttributeNS(WCM, "action")) {
                assertThat(element.getAttributeNS(WCM, "action")).isEqualTo("add");
            }
        }
    }

    @Test
    void commandListsAreOrderedFromOneWithoutGapsAndWithinSetupsLimits() {
        List<Element> lists = new ArrayList<>(all(answer.getDocumentElement(), "RunSynchronous"));
        lists.addAll(all(answer.getDocumentElement(), "FirstLogonCommands"));
        assertThat(lists).hasSize(3);
        for (Element list : lists) {
            String item = list.getLocalName().equals("RunSynchronous") ? "RunSynchronousCommand" : "SynchronousCommand";
            List<Element> commands = children(list, item);
            assertThat(commands).as("commands in %s", list.getLocalName()).isNotEmpty();
            List<Integer> orders = commands.stream().map(command -> Integer.parseInt(text(command, "Order"))).toList();
            assertThat(orders).containsExactlyElementsOf(IntStream.rangeClosed(1, commands.size()).boxed().toList());
            for (Element command : commands) {
                assertThat(command.getAttributeNS(WCM, "action")).isEqualTo("add");
                if (item.equals("RunSynchronousCommand")) {
                    assertThat(text(command, "Path")).hasSizeLessThanOrEqualTo(259);
                } else {
                    assertThat(text(command, "CommandLine")).hasSizeLessThanOrEqualTo(1024);
                    assertThat(text(command, "RequiresUserInput")).isEqualTo("false");
                }
            }
        }
    }

    @Test
    void windowsPeBypassesTheHardwareChecksBeforeAnythingElse() {
        Element run = children(component("windowsPE", "Microsoft-Windows-Setup"), "RunSynchronous").get(0);
        List<String> paths = children(run, "RunSynchronousCommand").stream().map(command -> text(command, "Path")).toList();
        for (String check : List.of("BypassTPMCheck", "BypassSecureBootCheck", "BypassRAMCheck")) {
            assertThat(paths).anyMatch(path -> path.equals(
                    "reg.exe add HKLM\\SYSTEM\\Setup\\LabConfig /v " + check + " /t REG_DWORD /d 1 /f"));
        }
        assertThat(paths.get(0)).contains("LabConfig");
    }

    @Test
    void theDiskIsOneActiveMbrPartitionOnDiskZeroAndWindowsGoesThere() {
        Element setup = component("windowsPE", "Microsoft-Windows-Setup");
        Element disk = children(children(setup, "DiskConfiguration").get(0), "Disk").get(0);
        assertThat(text(disk, "DiskID")).isEqualTo("0");
        assertThat(text(disk, "WillWipeDisk")).isEqualTo("true");
        List<Element> created = children(children(disk, "CreatePartitions").get(0), "CreatePartition");
        assertThat(created).hasSize(1);
        assertThat(text(created.get(0), "Type")).isEqualTo("Primary");
        assertThat(text(created.get(0), "Extend")).isEqualTo("true");
        Element modified = children(children(disk, "ModifyPartitions").get(0), "ModifyPartition").get(0);
        assertThat(text(modified, "PartitionID")).isEqualTo("1");
        assertThat(text(modified, "Format")).isEqualTo("NTFS");
        assertThat(text(modified, "Letter")).isEqualTo("C");
        assertThat(text(modified, "Active")).isEqualTo("true");
        assertThat(text(setup, "ImageInstall/OSImage/InstallTo/DiskID")).isEqualTo("0");
        assertThat(text(setup, "ImageInstall/OSImage/InstallTo/PartitionID")).isEqualTo("1");
        assertThat(text(setup, "ImageInstall/OSImage/InstallFrom/MetaData/Key")).isEqualTo("/IMAGE/INDEX");
        assertThat(text(setup, "ImageInstall/OSImage/InstallFrom/MetaData/Value")).matches("[1-9][0-9]*");
        assertThat(text(setup, "UserData/ProductKey/Key")).isEqualTo("VK7JG-NPHTM-C97JM-9MPGT-3V66T");
        assertThat(text(setup, "UserData/AcceptEula")).isEqualTo("true");
    }

    @Test
    void oobeIsSkippedAndAdministratorLogsOnAutomatically() {
        Element shell = component("oobeSystem", "Microsoft-Windows-Shell-Setup");
        for (String hidden : List.of("HideEULAPage", "HideOnlineAccountScreens", "HideWirelessSetupInOOBE",
                "HideLocalAccountScreen", "HideOEMRegistrationScreen", "SkipMachineOOBE", "SkipUserOOBE")) {
            assertThat(text(shell, "OOBE/" + hidden)).as(hidden).isEqualTo("true");
        }
        assertThat(text(shell, "OOBE/ProtectYourPC")).isEqualTo("3");
        assertThat(text(shell, "AutoLogon/Enabled")).isEqualTo("true");
        assertThat(text(shell, "AutoLogon/Username")).isEqualTo("Administrator");
        assertThat(text(shell, "UserAccounts/AdministratorPassword/PlainText")).isEqualTo("true");
    }

    @Test
    void everyScriptTheAnswerFileAndTheScriptsNameExists() throws IOException {
        Pattern reference = Pattern.compile("(?<![A-Za-z0-9_.-])([A-Za-z0-9_-]+\\.(?:ps1|cmd))(?![A-Za-z0-9_-])");
        Set<String> named = new HashSet<>();
        List<String> sources = new ArrayList<>(List.of(Files.readString(INIT.resolve("autounattend.xml"))));
        for (String script : List.of("pe.cmd", "pe-defender.cmd", "common.ps1", "specialize.ps1", "first-logon.ps1")) {
            sources.add(Files.readString(INIT.resolve(script)));
        }
        for (String source : sources) {
            Matcher matcher = reference.matcher(source);
            while (matcher.find()) {
                named.add(matcher.group(1));
            }
        }
        assertThat(named).contains("pe.cmd", "pe-defender.cmd", "common.ps1", "specialize.ps1", "first-logon.ps1");
        assertThat(named).allMatch(name -> Files.isRegularFile(INIT.resolve(name)));
    }

    @Test
    void everyPassThatTouchesTheShareRelaxesTheSmbClientFirst() throws IOException {
        // windowsPE never touches it (outside comments) ...
        assertThat(Files.readString(INIT.resolve("autounattend.xml"))
                .replaceAll("(?s)<!--.*?-->", "")).doesNotContain("10.0.2.4");
        for (String script : List.of("pe.cmd", "pe-defender.cmd")) {
            assertThat(Files.readAllLines(INIT.resolve(script))).as(script)
                    .filteredOn(line -> !line.stripLeading().toLowerCase().startsWith("rem"))
                    .noneMatch(line -> line.contains("10.0.2.4"));
        }
        // ... and specialize and first logon set the client up before their first access.
        for (String script : List.of("specialize.ps1", "first-logon.ps1")) {
            String source = Files.readString(INIT.resolve(script));
            assertThat(source.indexOf("Set-OsrunSmbClient")).as(script).isPositive()
                    .isLessThan(source.indexOf("Wait-OsrunShare"));
        }
        String common = Files.readString(INIT.resolve("common.ps1"));
        assertThat(common).contains("'AllowInsecureGuestAuth' 1", "'RequireSecuritySignature' 0",
                "-EnableInsecureGuestLogons $true -RequireSecuritySignature $false");
    }

    @Test
    void scriptsAreAsciiAndBatchFilesUseCrlf() throws IOException {
        // Windows PowerShell 5.1 reads a file without a byte-order mark in the ANSI code page, so only ASCII reads
        // the same everywhere; cmd.exe can miss labels (goto, call :label) in a batch file with bare LF endings.
        for (String name : List.of("autounattend.xml", "pe.cmd", "pe-defender.cmd", "common.ps1", "specialize.ps1",
                "first-logon.ps1")) {
            byte[] bytes = Files.readAllBytes(INIT.resolve(name));
            for (int i = 0; i < bytes.length; i++) {
                assertThat(bytes[i] & 0xFF).as("byte %d of %s", i, name).isLessThan(0x80);
                if (name.endsWith(".cmd") && bytes[i] == '\n') {
                    assertThat(i > 0 && bytes[i - 1] == '\r').as("CRLF at byte %d of %s", i, name).isTrue();
                }
            }
        }
    }
}
