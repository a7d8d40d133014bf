package dev.tether.cli;

import dev.tether.ssh.client.ClientPrompts;
import dev.tether.ssh.policy.InteractiveQuery;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tether ssh}'s answers to the library's questions: asked at the terminal ({@link Tty})
 * when a person is there and BatchMode is off; warnings and the banner on stderr, as ssh(1)
 * prints them.
 */
final class TtyPrompts implements ClientPrompts {
    private final boolean canPrompt;
    private final PrintStream err;

    TtyPrompts(boolean canPrompt, PrintStream err) {
        this.canPrompt = canPrompt;
        this.err = err;
    }

    @Override
    public boolean interactive() {
        return canPrompt;
    }

    @Override
    public char[] passphrase(Path key, int attempt) {
        return Tty.readSecret(attempt == 0 ? "Enter passphrase for key '" + key + "': "
                : "Bad passphrase, try again for " + key + ": ");
    }

    @Override
    public char[] password(String prompt) {
        return Tty.readSecret(prompt);
    }

    @Override
    public List<String> keyboardInteractive(String name, String instruction, List<InteractiveQuery.Prompt> prompts) {
        StringBuilder text = new StringBuilder();
        if (!name.isEmpty()) {
            text.append(name).append('\n');
        }
        if (!instruction.isEmpty()) {
            text.append(instruction).append('\n');
        }
        if (text.length() > 0) {
            Tty.show(text.toString());
        }
        List<String> answers = new ArrayList<>();
        for (InteractiveQuery.Prompt p : prompts) {
            String a;
            if (p.echo()) {
                a = Tty.readVisible(p.text());
            } else {
                char[] c = Tty.readSecret(p.text());
                a = c == null ? null : new String(c);
            }
            if (a == null) {
                return null;
            }
            answers.add(a);
        }
        return answers;
    }

    @Override
    public boolean confirmHostKey(String question, String fingerprint) {
        Tty.show(question);
        String prompt = "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
        while (true) {
            String a = Tty.readVisible(prompt);
            if (a == null) {
                return false;
            }
            a = a.strip();
            if (a.equalsIgnoreCase("yes") || a.equals(fingerprint)) {
                return true;
            }
            if (a.equalsIgnoreCase("no")) {
                return false;
            }
            prompt = "Please type 'yes', 'no' or the fingerprint: ";
        }
    }

    @Override
    public void banner(String text) {
        err.print(text);
        err.flush();
    }

    @Override
    public void warning(String message) {
        err.println(message);
        err.flush();
    }
}
