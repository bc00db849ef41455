using System.Buffers;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace KafkaTyped.Tool;

/// <summary>How results are printed: tables and text for people, or JSON lines (one object a line) for scripts.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}

/// <summary>Where a command writes: standard output (results), standard error (progress, warnings, errors).</summary>
internal sealed class Output
{
    private static readonly JsonWriterOptions s_jsonOptions = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public Output(TextWriter stdout, TextWriter stderr, OutputFormat format, bool interactive)
    {
        Out = stdout;
        Error = stderr;
        Format = format;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            Console.Profile.Width = 200; // redirected: wide enough that tables do not wrap in logs and transcripts
        }

        ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stderr),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public OutputFormat Format { get; }

    public bool IsJson => Format == OutputFormat.Json;

    /// <summary>Whether standard output and error are a terminal (progress bars, colours).</summary>
    public bool Interactive { get; }

    public IAnsiConsole Console { get; }

    public IAnsiConsole ErrorConsole { get; }

    /// <summary>Writes one JSON object as one line of standard output.</summary>
    public void JsonLine(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_jsonOptions))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        Out.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    public void Write(IRenderable renderable) => Console.Write(renderable);

    /// <summary>A table whose cells are plain text (never parsed as markup).</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        return table;
    }

    public static void Row(Table table, params string?[] cells) => table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? string.Empty)));
}
