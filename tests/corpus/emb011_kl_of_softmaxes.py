# expect: EMB011, EMB018
import mlx.core as mx


def kl_to_teacher(student_logits: mx.array, teacher_probs: mx.array) -> mx.array:
    log_student = mx.log(mx.softmax(student_logits, -1))
    return mx.sum(teacher_probs * (mx.log(teacher_probs) - log_student), axis=-1)
