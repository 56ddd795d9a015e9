// A safe evaluator for the distance expressions PyNN users write, e.g.
// "exp(-d/100)", "0.5*(d < 3)", "where(d < 50, 1, 0.1)".
//
// The text is tokenised and parsed (recursive descent, Python's precedence)
// into a postfix program over one variable; nothing is ever executed as code.
// The grammar is the numeric part of Python with numpy semantics: numbers,
// the variable, + - * / ** and unary -/+, parentheses, comparisons giving 0
// or 1 (not chained), the functions and constants listed in kAllowed, also
// spelled np.<name> or numpy.<name>. Anything else is rejected when parsing.
#ifndef SPIKESERVE_ENGINE_EXPRESSION_H_
#define SPIKESERVE_ENGINE_EXPRESSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace spikeserve::engine {

class Expression {
 public:
  struct Op {
    enum Kind { kConstant, kVariable, kUnary, kBinary, kWhere } kind;
    double value = 0.0;                          // kConstant
    double (*unary)(double) = nullptr;           // kUnary
    double (*binary)(double, double) = nullptr;  // kBinary
  };

  // What a user may write, for error messages and documentation.
  static const char kAllowed[];

  // Errors are INVALID_ARGUMENT on `field`, naming the offending token, its
  // position and what is allowed. `variable` is the one free name ("d").
  static absl::StatusOr<Expression> Parse(const std::string& text, const std::string& field,
                                          const std::string& variable = "d");

  // The value at `x` (IEEE semantics: 1/0 is inf, sqrt(-1) is nan, as numpy).
  double Evaluate(double x) const;

  // The deepest the evaluation stack gets; parsing keeps it <= kMaxDepth.
  static constexpr int kMaxDepth = 64;

 private:
  std::vector<Op> program_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_EXPRESSION_H_
