namespace FinGuard.Cli;

/// <summary>A command's bad usage: the message says what is wrong; the command prints it with its usage and exits 2.</summary>
internal sealed class CommandUsageException(string message) : Exception(message);

/// <summary>Options with a value (<c>--repo X</c> or <c>--repo=X</c>), flags, configuration switches (<c>--Section:Key=value</c>) and positionals.</summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = [];
    private readonly List<string> _switches = [];

    public List<string> ConfigurationSwitches => _switches;

    public IReadOnlyList<string> Positionals => _positionals;

    public static CommandArguments Parse(string[] args, string[] valueOptions, string[] flagOptions)
    {
        var result = new CommandArguments();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                ? (arg[..eq], arg[(eq + 1)..])
                : (arg, null);
            if (valueOptions.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Length ? args[++i] : throw new CommandUsageException($"{name} needs a value."));
                if (!result._values.TryAdd(name, value))
                {
                    throw new CommandUsageException($"{name} is given twice.");
                }
            }
            else if (flagOptions.Contains(arg))
            {
                result._flags.Add(arg);
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal) && inline is not null)
            {
                result._switches.Add(arg);
            }
            else if (arg.StartsWith('-') && arg.Length > 1)
            {
                throw new CommandUsageException($"unknown option '{arg}'.");
            }
            else
            {
                result._positionals.Add(arg);
            }
        }

        return result;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => Value(name) ?? throw new CommandUsageException($"{name} is required.");

    public bool Flag(string name) => _flags.Contains(name);

    public void RequireNoPositionals()
    {
        if (_positionals.Count > 0)
        {
            throw new CommandUsageException($"unexpected argument '{_positionals[0]}'.");
        }
    }

    public string SinglePositional(string what) => _positionals.Count switch
    {
        1 => _positionals[0],
        0 => throw new CommandUsageException($"missing {what}."),
        _ => throw new CommandUsageException($"give exactly one {what}."),
    };
}
