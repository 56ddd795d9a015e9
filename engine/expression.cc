#include "engine/expression.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"

namespace spikeserve::engine {
namespace {

// numpy's minimum/maximum propagate NaN (std::fmin/fmax would drop it).
double Minimum(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b); }
double Maximum(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); }
double Add(double a, double b) { return a + b; }
double Subtract(double a, double b) { return a - b; }
double Multiply(double a, double b) { return a * b; }
double Divide(double a, double b) { return a / b; }
double Power(double a, double b) { return std::pow(a, b); }
double Less(double a, double b) { return a < b; }
double LessEqual(double a, double b) { return a <= b; }
double Greater(double a, double b) { return a > b; }
double GreaterEqual(double a, double b) { return a >= b; }
double Equal(double a, double b) { return a == b; }
double NotEqual(double a, double b) { return a != b; }
double Negate(double a) { return -a; }

struct Function {
  const char* name;
  int arity;
  double (*unary)(double);
  double (*binary)(double, double);
};

double Exp(double x) { return std::exp(x); }
double Log(double x) { return std::log(x); }
double Log10(double x) { return std::log10(x); }
double Sqrt(double x) { return std::sqrt(x); }
double Sin(double x) { return std::sin(x); }
double Cos(double x) { return std::cos(x); }
double Tan(double x) { return std::tan(x); }
double Arcsin(double x) { return std::asin(x); }
double Arccos(double x) { return std::acos(x); }
double Arctan(double x) { return std::atan(x); }
double Sinh(double x) { return std::sinh(x); }
double Cosh(double x) { return std::cosh(x); }
double Tanh(double x) { return std::tanh(x); }
double Abs(double x) { return std::fabs(x); }
double Ceil(double x) { return std::ceil(x); }
double Floor(double x) { return std::floor(x); }
double Arctan2(double y, double x) { return std::atan2(y, x); }
double Hypot(double x, double y) { return std::hypot(x, y); }
double Fmod(double x, double y) { return std::fmod(x, y); }

// The functions of PyNN's connector namespace (lazyarray's numpy ufuncs)
// that map numbers to a number, plus abs and where.
constexpr Function kFunctions[] = {
    {"exp", 1, Exp, nullptr},         {"log", 1, Log, nullptr},
    {"log10", 1, Log10, nullptr},     {"sqrt", 1, Sqrt, nullptr},
    {"sin", 1, Sin, nullptr},         {"cos", 1, Cos, nullptr},
    {"tan", 1, Tan, nullptr},         {"arcsin", 1, Arcsin, nullptr},
    {"arccos", 1, Arccos, nullptr},   {"arctan", 1, Arctan, nullptr},
    {"sinh", 1, Sinh, nullptr},       {"cosh", 1, Cosh, nullptr},
    {"tanh", 1, Tanh, nullptr},       {"abs", 1, Abs, nullptr},
    {"fabs", 1, Abs, nullptr},        {"ceil", 1, Ceil, nullptr},
    {"floor", 1, Floor, nullptr},     {"minimum", 2, nullptr, Minimum},
    {"maximum", 2, nullptr, Maximum}, {"power", 2, nullptr, Power},
    {"arctan2", 2, nullptr, Arctan2}, {"hypot", 2, nullptr, Hypot},
    {"fmod", 2, nullptr, Fmod},       {"where", 3, nullptr, nullptr},
};

const Function* FindFunction(const std::string& name) {
  for (const Function& f : kFunctions)
    if (name == f.name) return &f;
  return nullptr;
}

bool FindConstant(const std::string& name, double* value) {
  if (name == "pi") *value = M_PI;
  if (name == "e") *value = M_E;
  return name == "pi" || name == "e";
}

struct Token {
  enum Kind { kNumber, kName, kSymbol, kEnd } kind;
  std::string text;
  size_t position;  // 0-based offset in the text
  double number = 0.0;
};

constexpr const char* kSymbols[] = {"**", "<=", ">=", "==", "!=", "+", "-", "*",
                                    "/",  "<",  ">",  "(",  ")",  ",", "."};

class Parser {
 public:
  Parser(const std::string& text, const std::string& field, const std::string& variable)
      : text_(text), field_(field), variable_(variable) {}

  absl::StatusOr<std::vector<Expression::Op>> Run() {
    if (text_.size() > 10000) return Error(0, "the expression is longer than 10000 characters");
    if (auto s = Tokenize(); !s.ok()) return s;
    if (tokens_.size() == 1) return Error(0, "the expression is empty");
    if (auto s = Comparison(0); !s.ok()) return s;
    if (Peek().kind != Token::kEnd) return Unexpected(Peek());
    return std::move(program_);
  }

 private:
  absl::Status Error(size_t position, const std::string& what) const {
    return InvalidArgument(field_, reason::kInvalidExpression,
                           absl::StrCat("in '", text_, "' at position ", position + 1, ": ", what,
                                        ". Allowed: ", Expression::kAllowed));
  }
  absl::Status Unexpected(const Token& t) const {
    if (t.kind == Token::kEnd) return Error(t.position, "the expression ends too early");
    return Error(t.position, absl::StrCat("unexpected '", t.text, "'"));
  }

  absl::Status Tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      const unsigned char c = text_[i];
      if (std::isspace(c)) {
        ++i;
        continue;
      }
      if (std::isdigit(c) || (c == '.' && i + 1 < text_.size() && std::isdigit(text_[i + 1]))) {
        size_t j = i;
        while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
        if (j < text_.size() && text_[j] == '.') {
          ++j;
          while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
        }
        if (j < text_.size() && (text_[j] == 'e' || text_[j] == 'E')) {
          size_t k = j + 1;
          if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
          if (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) {
            while (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) ++k;
            j = k;
          }
        }
        const std::string literal = text_.substr(i, j - i);
        if (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) ||
                                 text_[j] == '_' || text_[j] == '.'))
          return Error(i, absl::StrCat("'", text_.substr(i, j + 1 - i), "' is not a number"));
        tokens_.push_back({Token::kNumber, literal, i, std::strtod(literal.c_str(), nullptr)});
        i = j;
        continue;
      }
      if (std::isalpha(c) || c == '_') {
        size_t j = i;
        while (j < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_'))
          ++j;
        tokens_.push_back({Token::kName, text_.substr(i, j - i), i});
        i = j;
        continue;
      }
      bool matched = false;
      for (const char* symbol : kSymbols) {
        const std::string s(symbol);
        if (text_.compare(i, s.size(), s) == 0) {
          tokens_.push_back({Token::kSymbol, s, i});
          i += s.size();
          matched = true;
          break;
        }
      }
      if (!matched)
        return Error(i, absl::StrCat("unexpected character '", text_.substr(i, 1), "'"));
    }
    tokens_.push_back({Token::kEnd, "", text_.size()});
    return absl::OkStatus();
  }

  const Token& Peek() const { return tokens_[next_]; }
  bool Accept(const char* symbol) {
    if (Peek().kind == Token::kSymbol && Peek().text == symbol) {
      ++next_;
      return true;
    }
    return false;
  }

  // Emits an op and tracks the evaluation stack's depth.
  absl::Status Emit(Expression::Op op, int stack_change, size_t position) {
    program_.push_back(op);
    depth_ += stack_change;
    if (depth_ > Expression::kMaxDepth)
      return Error(position, absl::StrCat("the expression needs more than ", Expression::kMaxDepth,
                                          " intermediate values"));
    return absl::OkStatus();
  }
  absl::Status Binary(double (*f)(double, double), size_t position) {
    return Emit({Expression::Op::kBinary, 0.0, nullptr, f}, -1, position);
  }

  absl::Status Nest(int level, size_t position) const {
    if (level > 100) return Error(position, "the expression is nested more than 100 levels deep");
    return absl::OkStatus();
  }

  // comparison := sum [comp_op sum]   (Python chains, numpy arrays cannot)
  absl::Status Comparison(int level) {
    if (auto s = Nest(level, Peek().position); !s.ok()) return s;
    if (auto s = Sum(level); !s.ok()) return s;
    static const std::pair<const char*, double (*)(double, double)> kComparisons[] = {
        {"<", Less},          {"<=", LessEqual}, {">", Greater},
        {">=", GreaterEqual}, {"==", Equal},     {"!=", NotEqual}};
    for (int chained = 0;; ++chained) {
      const Token& t = Peek();
      double (*f)(double, double) = nullptr;
      for (const auto& [symbol, g] : kComparisons)
        if (t.kind == Token::kSymbol && t.text == symbol) f = g;
      if (f == nullptr) return absl::OkStatus();
      if (chained > 0)
        return Error(t.position,
                     "chained comparisons (a < d < b) do not work on numpy arrays; "
                     "write (a < d) * (d < b)");
      ++next_;
      if (auto s = Sum(level); !s.ok()) return s;
      if (auto s = Binary(f, t.position); !s.ok()) return s;
    }
  }

  // sum := term (('+' | '-') term)*
  absl::Status Sum(int level) {
    if (auto s = Term(level); !s.ok()) return s;
    for (;;) {
      const Token t = Peek();
      double (*f)(double, double) = Accept("+") ? Add : Accept("-") ? Subtract : nullptr;
      if (f == nullptr) return absl::OkStatus();
      if (auto s = Term(level); !s.ok()) return s;
      if (auto s = Binary(f, t.position); !s.ok()) return s;
    }
  }

  // term := unary (('*' | '/') unary)*
  absl::Status Term(int level) {
    if (auto s = Unary(level); !s.ok()) return s;
    for (;;) {
      const Token t = Peek();
      double (*f)(double, double) = Accept("*") ? Multiply : Accept("/") ? Divide : nullptr;
      if (f == nullptr) return absl::OkStatus();
      if (auto s = Unary(level); !s.ok()) return s;
      if (auto s = Binary(f, t.position); !s.ok()) return s;
    }
  }

  // unary := ('-' | '+') unary | power
  absl::Status Unary(int level) {
    const Token t = Peek();
    if (auto s = Nest(level, t.position); !s.ok()) return s;
    if (Accept("+")) return Unary(level + 1);
    if (Accept("-")) {
      if (auto s = Unary(level + 1); !s.ok()) return s;
      return Emit({Expression::Op::kUnary, 0.0, Negate}, 0, t.position);
    }
    return PowerExpr(level);
  }

  // power := primary ['**' unary]   (right-associative; -d**2 is -(d**2))
  absl::Status PowerExpr(int level) {
    if (auto s = Primary(level); !s.ok()) return s;
    const Token t = Peek();
    if (!Accept("**")) return absl::OkStatus();
    if (auto s = Unary(level + 1); !s.ok()) return s;
    return Binary(Power, t.position);
  }

  // primary := number | variable | constant | function '(' args ')' | '(' comparison ')'
  absl::Status Primary(int level) {
    const Token t = Peek();
    if (t.kind == Token::kNumber) {
      ++next_;
      return Emit({Expression::Op::kConstant, t.number}, 1, t.position);
    }
    if (Accept("(")) {
      if (auto s = Comparison(level + 1); !s.ok()) return s;
      if (!Accept(")")) return Unexpected(Peek());
      return absl::OkStatus();
    }
    if (t.kind != Token::kName) return Unexpected(t);
    ++next_;
    std::string name = t.text;
    if (name == "np" || name == "numpy") {
      if (!Accept(".") || Peek().kind != Token::kName)
        return Error(t.position, absl::StrCat("'", name, "' may only be followed by .<function>"));
      name = Peek().text;
      ++next_;
      double unused;
      if (FindFunction(name) == nullptr && !FindConstant(name, &unused))
        return Error(t.position, absl::StrCat("'", t.text, ".", name, "' is not allowed"));
    }
    if (Peek().kind == Token::kSymbol && Peek().text == ".")
      return Error(Peek().position,
                   absl::StrCat("attribute access ('", name, ".') is not allowed"));
    const bool called = Peek().kind == Token::kSymbol && Peek().text == "(";
    double constant = 0.0;
    if (name == variable_ || FindConstant(name, &constant)) {
      if (called) return Error(t.position, absl::StrCat("'", name, "' is not a function"));
      if (name == variable_) return Emit({Expression::Op::kVariable}, 1, t.position);
      return Emit({Expression::Op::kConstant, constant}, 1, t.position);
    }
    const Function* f = FindFunction(name);
    if (f == nullptr) return Error(t.position, absl::StrCat("unknown name '", name, "'"));
    if (!Accept("("))
      return Error(t.position,
                   absl::StrCat("function '", name, "' must be called: ", name, "(...)"));
    int arguments = 0;
    if (!Accept(")")) {
      do {
        if (auto s = Comparison(level + 1); !s.ok()) return s;
        ++arguments;
      } while (Accept(","));
      if (!Accept(")")) return Unexpected(Peek());
    }
    if (arguments != f->arity)
      return Error(t.position, absl::StrCat(name, " takes ", f->arity, " argument",
                                            f->arity == 1 ? "" : "s", ", got ", arguments));
    if (f->arity == 1) return Emit({Expression::Op::kUnary, 0.0, f->unary}, 0, t.position);
    if (f->arity == 2) return Binary(f->binary, t.position);
    return Emit({Expression::Op::kWhere}, -2, t.position);
  }

  const std::string& text_;
  const std::string& field_;
  const std::string& variable_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  std::vector<Expression::Op> program_;
  int depth_ = 0;
};

}  // namespace

const char Expression::kAllowed[] =
    "numbers, the variable d, + - * / ** (unary -), parentheses, comparisons < <= > >= == != "
    "(giving 0 or 1), the functions exp log log10 sqrt sin cos tan arcsin arccos arctan sinh "
    "cosh tanh abs fabs ceil floor (one argument), minimum maximum power arctan2 hypot fmod (two), "
    "where(condition, a, b), the constants pi and e; functions and constants may be written "
    "np.<name>";

absl::StatusOr<Expression> Expression::Parse(const std::string& text, const std::string& field,
                                             const std::string& variable) {
  auto program = Parser(text, field, variable).Run();
  if (!program.ok()) return program.status();
  Expression e;
  e.program_ = std::move(*program);
  return e;
}

double Expression::Evaluate(double x) const {
  std::array<double, kMaxDepth> stack;
  int top = -1;
  for (const Op& op : program_) {
    switch (op.kind) {
      case Op::kConstant:
        stack[++top] = op.value;
        break;
      case Op::kVariable:
        stack[++top] = x;
        break;
      case Op::kUnary:
        stack[top] = op.unary(stack[top]);
        break;
      case Op::kBinary:
        stack[top - 1] = op.binary(stack[top - 1], stack[top]);
        --top;
        break;
      case Op::kWhere:  // numpy truthiness: any non-zero value, NaN included
        stack[top - 2] = stack[top - 2] != 0.0 ? stack[top - 1] : stack[top];
        top -= 2;
        break;
    }
  }
  return stack[0];
}

}  // namespace spikeserve::engine
