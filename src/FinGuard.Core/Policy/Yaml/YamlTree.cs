using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>A node of the small YAML tree a policy file is read into, with its 1-based position.</summary>
internal abstract class YamlNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>How the node reads in a message: <c>'two'</c>, <c>a list</c>, <c>a mapping</c>, <c>an empty value</c>.</summary>
    public abstract string Description { get; }
}

internal sealed class ScalarNode(int line, int column, string value, ScalarStyle style) : YamlNode(line, column)
{
    private const int DescribedLength = 40;

    public string Value { get; } = value;

    public bool IsPlain { get; } = style == ScalarStyle.Plain;

    /// <summary>YAML's null: an empty plain value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Description => IsNull
        ? "an empty value"
        : IsPlain ? $"'{Shorten(Value)}'" : $"the quoted string '{Shorten(Value)}'";

    /// <summary>YAML 1.2 core-schema booleans, unquoted only.</summary>
    public bool TryGetBoolean(out bool value)
    {
        value = Value is "true" or "True" or "TRUE";
        return IsPlain && (value || Value is "false" or "False" or "FALSE");
    }

    /// <summary>A plain decimal integer (<c>2</c>, <c>+2</c>, <c>-1</c>); false for anything else, quoted numbers included.</summary>
    public bool TryGetInteger(out long value)
    {
        value = 0;
        if (!IsPlain || Value.Length is 0 or > 20)
        {
            return false;
        }

        var digits = Value.AsSpan(Value[0] is '+' or '-' ? 1 : 0);
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        // Longer than a long: still a number, so out of range rather than "not a number".
        if (!long.TryParse(Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            value = Value[0] == '-' ? long.MinValue : long.MaxValue;
        }

        return true;
    }

    private static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= DescribedLength ? oneLine : string.Concat(oneLine.AsSpan(0, DescribedLength), "…");
    }
}

internal sealed class SequenceNode(int line, int column, IReadOnlyList<YamlNode> items) : YamlNode(line, column)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override string Description => "a list";
}

internal sealed record MappingEntry(ScalarNode Key, YamlNode Value);

internal sealed class MappingNode(int line, int column, IReadOnlyList<MappingEntry> entries) : YamlNode(line, column)
{
    public IReadOnlyList<MappingEntry> Entries { get; } = entries;

    public override string Description => "a mapping";
}

/// <summary>Stands in for a node that was already reported (an alias, a tag, nesting too deep), so it causes no further problems.</summary>
internal sealed class ReportedNode(int line, int column) : YamlNode(line, column)
{
    public override string Description => "an invalid value";
}

/// <summary>
/// Reads YAML text into a <see cref="YamlNode"/> tree from YamlDotNet's parser events, refusing what a policy file
/// never needs and an attacker could abuse: anchors and aliases (no "billion laughs" expansion is possible), tags,
/// more than one document, nesting deeper than <see cref="MaxDepth"/>. Duplicate keys are reported (YAML forbids
/// them; most parsers silently keep the last). Recursion is bounded by <see cref="MaxDepth"/>.
/// </summary>
internal sealed class YamlTreeReader
{
    /// <summary>The policy format nests three levels; anything deeper is a mistake or an attack.</summary>
    public const int MaxDepth = 16;

    private readonly Parser parser;
    private readonly List<PolicyProblem> problems;

    /// <summary>The flow collections (<c>[</c>, <c>{</c>) being read, outermost first.</summary>
    private readonly List<(Mark Start, char Opener)> openFlows = [];

    private YamlTreeReader(string text, List<PolicyProblem> problems)
    {
        parser = new Parser(new StringReader(text));
        this.problems = problems;
    }

    /// <summary>The root node, or null when the text is not well-formed YAML or has no document (problems say which).</summary>
    public static YamlNode? Read(string text, List<PolicyProblem> problems) => new YamlTreeReader(text, problems).ReadStream();

    private YamlNode? ReadStream()
    {
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                problems.Add(new PolicyProblem(1, 1, "the file is empty; a policy file starts with 'version: 1'"));
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(depth: 1);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                problems.Add(At(second.Start, "a policy file holds a single YAML document; remove this '---' and what follows, or merge it into the first document"));
                return null;
            }

            parser.Consume<StreamEnd>();
            return root;
        }
        catch (YamlException ex)
        {
            problems.Add(At(ex.Start, $"YAML syntax error: {ex.Message}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 18's scanner throws this, instead of a syntax error, for an unclosed flow collection followed
            // by a less indented line (`branches: [main` then `signed-commits:`). Its scanner reads ahead, so the
            // innermost collection open when it fails may be one that was closed; the outermost is the unclosed one.
            problems.Add(openFlows.Count > 0 && openFlows[0] is var open
                ? At(open.Start, $"YAML syntax error: the {(open.Opener == '[' ? "list" : "mapping")} opened here is not closed with '{(open.Opener == '[' ? ']' : '}')}', or a line after it is indented less than it")
                : At(parser.Current?.Start ?? Mark.Empty, "YAML syntax error: the text after this point cannot be read; check its brackets, quotes and indentation"));
            return null;
        }
    }

    private YamlNode ReadNode(int depth)
    {
        var current = parser.Current ?? throw new SemanticErrorException("Unexpected end of the YAML stream.");
        if (current is AnchorAlias alias)
        {
            problems.Add(At(alias.Start, $"aliases (*{alias.Value}) are not allowed in a policy file; write the value out in full"));
            parser.MoveNext();
            return new ReportedNode(Line(alias.Start), Column(alias.Start));
        }

        if (current is not NodeEvent node)
        {
            throw new SemanticErrorException(current.Start, current.End, $"Expected a value, got {current.GetType().Name}.");
        }

        var reported = false;
        if (!node.Anchor.IsEmpty)
        {
            problems.Add(At(node.Start, $"anchors (&{node.Anchor}) are not allowed in a policy file; write each value out in full"));
            reported = true;
        }

        if (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific)
        {
            problems.Add(At(node.Start, $"YAML tags ({node.Tag}) are not allowed in a policy file; remove the tag"));
            reported = true;
        }

        if (depth > MaxDepth)
        {
            problems.Add(At(node.Start, $"the value is nested more than {MaxDepth} levels deep; a policy file needs at most 3"));
            reported = true;
        }

        if (reported)
        {
            parser.SkipThisAndNestedEvents();
            return new ReportedNode(Line(node.Start), Column(node.Start));
        }

        switch (node)
        {
            case Scalar scalar:
                parser.MoveNext();
                return new ScalarNode(Line(scalar.Start), Column(scalar.Start), scalar.Value, scalar.Style);
            case SequenceStart sequence:
            {
                var flow = Open(sequence.Style == SequenceStyle.Flow, sequence.Start, '[');
                parser.MoveNext();
                var items = new List<YamlNode>();
                while (!parser.Accept<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(depth + 1));
                }

                Close(flow);
                parser.MoveNext();
                return new SequenceNode(Line(sequence.Start), Column(sequence.Start), items);
            }

            case MappingStart mapping:
            {
                var flow = Open(mapping.Style == MappingStyle.Flow, mapping.Start, '{');
                parser.MoveNext();
                var entries = new List<MappingEntry>();
                var seen = new Dictionary<string, ScalarNode>(StringComparer.Ordinal);
                while (!parser.Accept<MappingEnd>(out _))
                {
                    var key = ReadNode(depth + 1);
                    var value = ReadNode(depth + 1);
                    switch (key)
                    {
                        case ScalarNode { IsNull: false } name when seen.TryGetValue(name.Value, out var first):
                            problems.Add(new PolicyProblem(
                                name.Line,
                                name.Column,
                                $"duplicate key '{name.Value}': it is already set at {first.Line}:{first.Column}; keep one of them"));
                            break;
                        case ScalarNode { IsNull: false } name:
                            seen.Add(name.Value, name);
                            entries.Add(new MappingEntry(name, value));
                            break;
                        case ReportedNode:
                            break;
                        default:
                            problems.Add(new PolicyProblem(key.Line, key.Column, $"keys must be plain names, not {key.Description}"));
                            break;
                    }
                }

                Close(flow);
                parser.MoveNext();
                return new MappingNode(Line(mapping.Start), Column(mapping.Start), entries);
            }

            default:
                throw new SemanticErrorException(node.Start, node.End, $"Unexpected {node.GetType().Name}.");
        }
    }

    private bool Open(bool isFlow, Mark start, char opener)
    {
        if (isFlow)
        {
            openFlows.Add((start, opener));
        }

        return isFlow;
    }

    private void Close(bool isFlow)
    {
        if (isFlow)
        {
            openFlows.RemoveAt(openFlows.Count - 1);
        }
    }

    private static PolicyProblem At(Mark mark, string message) => new(Line(mark), Column(mark), message);

    /// <summary>YamlDotNet's marks are 1-based; <see cref="Mark.Empty"/> and anything out of range become 1.</summary>
    private static int Line(Mark mark) => mark.Line is >= 1 and <= int.MaxValue ? (int)mark.Line : 1;

    private static int Column(Mark mark) => mark.Column is >= 1 and <= int.MaxValue ? (int)mark.Column : 1;
}
