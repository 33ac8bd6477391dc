package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import java.io.PrintStream;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * What every command with options does the same way: parse them (GNU long options, no abbreviations), answer
 * {@code --help} with its usage line, a sentence and the options, and check the positional arguments; the command
 * says only its options, usage, help and what it does. Errors are thrown as {@link SluiceException}s for
 * {@code Main} to print and map to exit codes.
 */
abstract class BaseCommand implements Command {
    /** Its options ({@code --help} is added when missing). */
    public abstract Options commandOptions();

    /** The usage line of {@code --help}. */
    abstract String usage();

    /** The sentence under the usage line. */
    abstract String help();

    /** Checks the positional arguments; by default there are none. */
    void checkArguments(List<String> arguments) {
        if (!arguments.isEmpty()) {
            throw SluiceException.usage("unexpected argument(s): " + String.join(" ", arguments));
        }
    }

    /** Runs the parsed command; returns its exit code. */
    abstract int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception;

    @Override
    public final int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options options = commandOptions();
        if (!options.hasLongOption("help")) {
            options.addOption(Option.builder().longOpt("help").desc("show this help").build());
        }
        CommandLine cl = CommonOptions.parse(options, args);
        if (cl.hasOption("help")) {
            CommonOptions.printHelp(out, usage(), help(), options);
            return 0;
        }
        CommonOptions.warnDeprecated(cl, name(), err);
        checkArguments(cl.getArgList());
        return execute(cl, out, err);
    }
}
