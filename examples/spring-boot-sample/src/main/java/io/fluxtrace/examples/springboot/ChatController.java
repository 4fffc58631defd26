package io.fluxtrace.examples.springboot;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/** {@code GET /chat?q=...}: the answer as server-sent events, one event per chunk the model streams. */
@RestController
class ChatController {

  private final Assistant assistant;

  ChatController(Assistant assistant) {
    this.assistant = assistant;
  }

  @GetMapping(path = "/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  Flux<String> chat(@RequestParam("q") String question) {
    return assistant.answer(question);
  }
}
