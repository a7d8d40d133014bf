package dev.tether.examples;

import dev.tether.sftp.SftpClient;
import dev.tether.ssh.client.SshClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies files over SFTP, as {@code sftp}'s put and get do; a directory is copied with
 * everything in it.
 *
 * <pre>usage: CopyFiles DESTINATION put LOCAL REMOTE
 *        CopyFiles DESTINATION get REMOTE LOCAL</pre>
 */
public final class CopyFiles {
    private CopyFiles() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[1].equals("put") || args[1].equals("get"))) {
            System.err.println("usage: CopyFiles DESTINATION put LOCAL REMOTE | CopyFiles DESTINATION get REMOTE LOCAL");
            System.exit(2);
        }
        copy(SshClient.builder(args[0]), args[1].equals("put"), args[2], args[3], System.out);
    }

    /**
     * Copies {@code from} to {@code to}: local to remote when {@code put}, else remote to local.
     *
     * @return the bytes copied
     */
    public static long copy(SshClient.Builder destination, boolean put, String from, String to, PrintStream out)
            throws IOException {
        try (SshClient client = destination.connect(); SftpClient sftp = SftpClient.open(client)) {
            long bytes;
            if (put) {
                Path local = Path.of(from);
                bytes = Files.isDirectory(local) ? sftp.uploadTree(local, to, SftpClient.Transfer.DEFAULT)
                        : sftp.upload(local, to);
            } else {
                bytes = sftp.stat(from).isDirectory() ? sftp.downloadTree(from, Path.of(to), SftpClient.Transfer.DEFAULT)
                        : sftp.download(from, Path.of(to));
            }
            out.println((put ? "uploaded " : "downloaded ") + from + " to " + to + ": " + bytes + " bytes");
            return bytes;
        }
    }
}
