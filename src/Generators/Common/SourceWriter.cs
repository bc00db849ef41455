using System;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace KafkaTyped.Generators.Common;

/// <summary>
/// Writes C# source line by line with the current indentation (four spaces per level), and returns it as UTF-8
/// <see cref="SourceText"/>. Blocks are opened and closed with <see cref="OpenBlock"/> and <see cref="CloseBlock"/>.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _indentation;

    public int Indentation => _indentation;

    public SourceWriter WriteLine(string line)
    {
        if (line.Length == 0)
        {
            _builder.Append('\n');
            return this;
        }

        for (var i = 0; i < _indentation; i++)
        {
            _builder.Append(IndentUnit);
        }

        _builder.Append(line).Append('\n');
        return this;
    }

    public SourceWriter WriteLine() => WriteLine(string.Empty);

    /// <summary>Writes several lines (separated by '\n') at the current indentation.</summary>
    public SourceWriter WriteLines(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            WriteLine(line);
        }

        return this;
    }

    public SourceWriter OpenBlock(string? header = null)
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        _indentation++;
        return this;
    }

    public SourceWriter CloseBlock(string closing = "}")
    {
        if (_indentation == 0)
        {
            throw new InvalidOperationException("No block is open.");
        }

        _indentation--;
        WriteLine(closing);
        return this;
    }

    public SourceText ToSourceText()
    {
        if (_indentation != 0)
        {
            throw new InvalidOperationException($"{_indentation} blocks are still open.");
        }

        return SourceText.From(_builder.ToString(), Encoding.UTF8);
    }

    public override string ToString() => _builder.ToString();
}
