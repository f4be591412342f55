// Needs surveys: a question shown only when an earlier answer matches is hidden (and not sent) until it
// does. Without JavaScript every question shows, with its condition written under it; the server keeps
// only the answers to the questions whose condition the answers before them meet.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.survey-form");
  if (!form) return;
  const dependants = form.querySelectorAll("fieldset[data-condition-question]");
  const update = () => {
    dependants.forEach((fieldset) => {
      const name = fieldset.dataset.conditionQuestion;
      const wanted = fieldset.dataset.conditionValues.split(" ");
      const earlier = document.getElementById("question-" + name.slice(1));
      const chosen = Array.from(form.querySelectorAll("input[name='" + name + "']:checked"), (input) => input.value);
      const shown = (!earlier || !earlier.hidden) && chosen.some((value) => wanted.includes(value));
      fieldset.hidden = !shown;
      fieldset.disabled = !shown;
    });
  };
  form.addEventListener("change", update);
  update();
});
