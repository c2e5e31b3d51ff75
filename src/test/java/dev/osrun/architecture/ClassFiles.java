package dev.osrun.architecture;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** Reads the names a compiled class refers to from its constant pool (class entries and type descriptors). */
final class ClassFiles {

    private ClassFiles() {
    }

    /** The internal names ({@code dev/osrun/engine/Machine}) of every class {@code classFile} refers to. */
    static Set<String> referencedClasses(Path classFile) throws IOException {
        Set<String> utf8 = new HashSet<>();
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            in.readInt();
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8.add(in.readUTF());
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException("Unknown constant pool tag " + tag + " in " + classFile);
                }
            }
        }
        Set<String> names = new HashSet<>();
        for (String text : utf8) {
            if (text.startsWith("dev/osrun/") && !text.contains(";")) {
                names.add(text);
            }
            int at = text.indexOf("Ldev/osrun/");
            while (at >= 0) {
                int end = text.indexOf(';', at);
                int generic = text.indexOf('<', at);
                if (end < 0) {
                    break;
                }
                if (generic > at && generic < end) {
                    end = generic;
                }
                names.add(text.substring(at + 1, end));
                at = text.indexOf("Ldev/osrun/", end);
            }
        }
        return names;
    }
}
